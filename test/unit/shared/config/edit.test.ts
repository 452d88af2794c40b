import { describe, expect, it } from 'vitest';
import { addCompareIgnore } from '../../../../shared/config/edit.js';
import type { GatewaySource } from '../../../../shared/config/source.js';

describe('addCompareIgnore', () => {
  const g: GatewaySource = {
    name: 'shop',
    port: 8080,
    routes: {
      stable: { target: 'http://127.0.0.1:3000', weight: '100%' },
      candidate: { target: 'http://127.0.0.1:3001', weight: '0%', shadow: '100%', compare: { noise: true } },
    },
  };

  it('adds the rule to the route, keeping the rest of compare and the other routes', () => {
    const out = addCompareIgnore(g, 'candidate', 'body:$.price');
    expect(out.routes).toEqual({
      stable: g.routes && (g.routes as Record<string, unknown>).stable,
      candidate: {
        target: 'http://127.0.0.1:3001',
        weight: '0%',
        shadow: '100%',
        compare: { noise: true, ignore: ['body:$.price'] },
      },
    });
    const twice = addCompareIgnore(
      addCompareIgnore(out, 'candidate', 'header:x-v'),
      'candidate',
      'body:$.price',
    );
    expect(
      (twice.routes as Record<string, { compare?: { ignore?: string[] } }>).candidate!.compare!.ignore,
    ).toEqual(['body:$.price', 'header:x-v']);
  });
});
