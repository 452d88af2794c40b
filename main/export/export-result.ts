/** What an exporter gives back. */
export interface ExportResult {
  text: string;
  /** Everything the target cannot express exactly: nothing is dropped silently. */
  warnings: string[];
}
