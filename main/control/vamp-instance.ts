import type { ProxyEndpoint } from '../engine/engine.js';

/**
 * Vamp's instance endpoints (Vamp's reverse-proxy document):
 *   /proxy/deployments/{d}/clusters/{c}/services/{s}/instances/{i}/ports/{p}/...
 *   /proxy/workflows/{w}/instances/{i}/ports/{p}/...
 * They resolve to the route whose Vamp name has that shape, `d/c/s/p` (Vamp's deployment route name) or
 * `w/p` for a workflow, and to its instance named `i` (from `instances`) or numbered `i` from 0. The
 * document writes `service/` once; `services/` and `service/` are both read.
 */
export function vampInstancePath(
  segments: string[],
  restUrl: (from: number) => string,
  decode: (s: string) => string,
): ProxyEndpoint | { error: string; status: number } {
  const shapes: Record<string, { words: string[]; usage: string }> = {
    deployments: {
      words: ['deployments', '', 'clusters', '', 'services', '', 'instances', '', 'ports', ''],
      usage:
        '/proxy/deployments/{deployment}/clusters/{cluster}/services/{service}/instances/{instance}/ports/{port}/...',
    },
    workflows: {
      words: ['workflows', '', 'instances', '', 'ports', ''],
      usage: '/proxy/workflows/{workflow}/instances/{instance}/ports/{port}/...',
    },
  };
  const shape = shapes[segments[0] ?? ''] as { words: string[]; usage: string };
  const values: string[] = [];
  for (const [i, word] of shape.words.entries()) {
    const seg = segments[i];
    if (word === '') {
      if (!seg) return { status: 404, error: `write ${shape.usage}` };
      values.push(decode(seg));
    } else if (seg !== word && !(word === 'services' && seg === 'service'))
      return { status: 404, error: `write ${shape.usage}` };
  }
  const route =
    segments[0] === 'deployments'
      ? `${values[0]}/${values[1]}/${values[2]}/${values[4]}`
      : `${values[0]}/${values[2]}`;
  const instance = segments[0] === 'deployments' ? values[3] : values[1];
  return { kind: 'route', route, instance: instance ?? '', url: restUrl(shape.words.length) };
}
