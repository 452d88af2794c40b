/**
 * The formats gateways export to, as data: the contract's enum, the REST endpoint, the CLI, the desktop
 * menu and the sidebar all list them from here. A new format is its exporter's file in main/export plus
 * one line here (the exporter table there is typed from this one, so the compiler asks for it).
 */
export const EXPORT_FORMATS = [
  {
    id: 'yaml',
    label: 'YAML (switchyard serve)',
    fileName: 'switchyard.yaml',
    contentType: 'application/yaml',
  },
  { id: 'nginx', label: 'nginx', fileName: 'switchyard.nginx.conf', contentType: 'text/plain' },
  { id: 'haproxy', label: 'HAProxy', fileName: 'haproxy.cfg', contentType: 'text/plain' },
  {
    id: 'gateway-api',
    label: 'Kubernetes Gateway API',
    fileName: 'switchyard.gateway-api.yaml',
    contentType: 'application/yaml',
  },
] as const;

export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type ExportFormatId = ExportFormat['id'];
/** The formats of a production proxy: every one but Switchyard's own YAML. */
export type ProxyFormatId = Exclude<ExportFormatId, 'yaml'>;

export const EXPORT_FORMAT_IDS = EXPORT_FORMATS.map((f) => f.id) as [ExportFormatId, ...ExportFormatId[]];
export const PROXY_FORMATS = EXPORT_FORMATS.filter(
  (f): f is Extract<ExportFormat, { id: ProxyFormatId }> => f.id !== 'yaml',
);

export function exportFormat(id: ExportFormatId): ExportFormat {
  return EXPORT_FORMATS.find((f) => f.id === id) as ExportFormat;
}

export function isExportFormatId(id: string): id is ExportFormatId {
  return EXPORT_FORMATS.some((f) => f.id === id);
}
