import { Engine, type EngineOptions } from '../../main/engine/engine.js';
import { seededRandom } from '../../main/engine/random.js';

/** An engine with a seeded random source, applied with `yaml`; fails the test on an invalid config. */
export async function startEngine(
  yaml: string | object,
  options: EngineOptions = {},
): Promise<{ engine: Engine; port: (gateway?: string) => number }> {
  const engine = new Engine({ random: seededRandom(42), ...options });
  const result = await engine.apply(yaml);
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('\n'));
  const port = (gateway?: string) => {
    const s = engine.status().find((x) => gateway === undefined || x.gateway === gateway);
    if (!s?.boundPort) throw new Error(`gateway ${gateway ?? ''} is not listening: ${s?.error ?? s?.state}`);
    return s.boundPort;
  };
  return { engine, port };
}
