/** What conditions and rewrites may look at in a request. The engine builds it lazily from the socket. */
export interface RequestView {
  readonly method: string;
  /** The normalised path, without the query string. */
  readonly path: string;
  /** The Host header as sent (may carry a port). */
  readonly host: string;
  /** A header by lowercase name; repeated headers are joined with ", ". */
  header(name: string): string | undefined;
  cookie(name: string): string | undefined;
  query(name: string): string | undefined;
}
