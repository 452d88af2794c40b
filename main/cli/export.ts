import { loadConfigText } from '../../shared/config/load.js';
import { EXPORT_FORMATS, exportConfig, type ExportFormat } from '../export/export.js';
import { readTextFile } from './read-file.js';
import { formatIssues } from './format.js';

/** `switchyard export`: the export on stdout, its warnings on stderr; exit 1 on bad input. */
export async function exportCommand(opts: {
  format: string;
  config: string;
  gateway: string[];
  fragment?: boolean | undefined;
  version: string;
}): Promise<number> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(opts.format)) {
    console.error(`switchyard: unknown format '${opts.format}'; choose ${EXPORT_FORMATS.join(', ')}`);
    return 1;
  }
  const text = await readTextFile(opts.config);
  if (text === undefined) return 1;
  const loaded = loadConfigText(text);
  if (!loaded.ok) {
    console.error(formatIssues(opts.config, loaded.issues));
    return 1;
  }
  const missing = opts.gateway.filter((n) => !loaded.config.gateways.some((g) => g.name === n));
  if (missing.length) {
    console.error(`switchyard: ${opts.config} has no gateway ${missing.map((n) => `'${n}'`).join(', ')}`);
    return 1;
  }
  const config = opts.gateway.length
    ? { gateways: loaded.config.gateways.filter((g) => opts.gateway.includes(g.name)) }
    : loaded.config;
  const result = exportConfig(config, opts.format as ExportFormat, {
    fragment: opts.fragment ?? false,
    source: opts.config,
    version: opts.version,
  });
  process.stdout.write(result.text);
  for (const w of result.warnings) console.error(`warning: ${w}`);
  return 0;
}
