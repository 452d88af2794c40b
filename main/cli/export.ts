import { loadConfigText } from '../../shared/config/load.js';
import { PROXY_FORMATS } from '../../shared/export-formats.js';
import { exportConfig } from '../export/export.js';
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
  const format = PROXY_FORMATS.find((f) => f.id === opts.format)?.id;
  if (!format) {
    console.error(
      `switchyard: unknown format '${opts.format}'; choose ${PROXY_FORMATS.map((f) => f.id).join(', ')}`,
    );
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
  // Chosen gateways keep the shared ports their virtual hosts are served on.
  const config = opts.gateway.length
    ? { ...loaded.config, gateways: loaded.config.gateways.filter((g) => opts.gateway.includes(g.name)) }
    : loaded.config;
  const result = exportConfig(config, format, {
    fragment: opts.fragment ?? false,
    source: opts.config,
    version: opts.version,
  });
  process.stdout.write(result.text);
  for (const w of result.warnings) console.error(`warning: ${w}`);
  return 0;
}
