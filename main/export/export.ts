import type { SwitchyardConfig } from '../../shared/config/model.js';
import { exportGatewayApi, type GatewayApiOptions } from './gateway-api.js';
import { exportHaproxy } from './haproxy.js';
import { exportNginx } from './nginx.js';

export interface ExportResult {
  text: string;
  /** Everything the target cannot express exactly: nothing is dropped silently. */
  warnings: string[];
}

export const EXPORT_FORMATS = ['nginx', 'haproxy', 'gateway-api'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Exports gateways for a production proxy. The text starts with a comment saying what it came from and
 * listing every warning.
 */
export function exportConfig(
  config: SwitchyardConfig,
  format: ExportFormat,
  opts: { fragment?: boolean; source?: string; version: string } & GatewayApiOptions,
): ExportResult {
  const result =
    format === 'nginx'
      ? exportNginx(config, opts)
      : format === 'haproxy'
        ? exportHaproxy(config, opts)
        : exportGatewayApi(config, opts);
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
