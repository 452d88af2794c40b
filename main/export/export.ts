import type { SwitchyardConfig } from '../../shared/config/model.js';
import type { ProxyFormatId } from '../../shared/export-formats.js';
import type { ExportResult } from './export-result.js';
import { exportGatewayApi, type GatewayApiOptions } from './gateway-api.js';
import { exportHaproxy } from './haproxy.js';
import { exportNginx } from './nginx.js';

export type { ExportResult } from './export-result.js';

type ExportOptions = { fragment?: boolean; source?: string; version: string } & GatewayApiOptions;

/** Each production proxy's exporter, by the format's id in shared/export-formats.ts. */
const EXPORTERS: Record<ProxyFormatId, (config: SwitchyardConfig, opts: ExportOptions) => ExportResult> = {
  nginx: exportNginx,
  haproxy: exportHaproxy,
  'gateway-api': exportGatewayApi,
};

/**
 * Exports gateways for a production proxy. The text starts with a comment saying what it came from and
 * listing every warning.
 */
export function exportConfig(
  config: SwitchyardConfig,
  format: ProxyFormatId,
  opts: ExportOptions,
): ExportResult {
  const exported = EXPORTERS[format](config, opts);
  // A gateway's certificate serves its own port and the shared one: its warning is said once.
  const result = { ...exported, warnings: [...new Set(exported.warnings)] };
  const names = config.gateways.map((g) => g.name).join(', ') || 'none';
  const header = [
    `# Exported by Switchyard ${opts.version} (${format}) from ${opts.source ?? 'the running configuration'}: gateways ${names}.`,
    ...(result.warnings.length
      ? ['# Not expressed exactly:', ...result.warnings.map((w) => `#   - ${w}`)]
      : ['# Everything was expressed exactly.']),
    '',
  ].join('\n');
  return { text: header + result.text, warnings: result.warnings };
}
