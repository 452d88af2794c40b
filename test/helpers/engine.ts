import { Engine, type EngineOptions } from '../../main/engine/engine.js';
import { loadConfigText, loadConfigValue } from '../../shared/config/load.js';
import { seededRandom } from '../../main/engine/random.js';

/** An engine with a seeded random source, applied with `yaml`; fails the test on an invalid config. */
export async function startEngine(
  yaml: string | object,
  options: EngineOptions = {},
): Promise<{ engine: Engine; port: (gateway?: string) => number }> {
  const engine = new Engine({ random: seededRandom(42), ...options });
  await applyConfig(engine, yaml);
  const port = (gateway?: string) => {
    const s = engine.status().find((x) => gateway === undefined || x.gateway === gateway);
    if (!s?.boundPort) throw new Error(`gateway ${gateway ?? ''} is not listening: ${s?.error ?? s?.state}`);
    return s.boundPort;
  };
  return { engine, port };
}

/** Validates YAML text (or a value) the way the config store does, and runs it; throws when it is not valid. */
export async function applyConfig(engine: Engine, config: string | object) {
  const loaded = typeof config === 'string' ? loadConfigText(config) : loadConfigValue(config);
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  return engine.apply(loaded.config);
}
