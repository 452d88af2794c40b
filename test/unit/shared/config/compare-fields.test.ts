import { describe, expect, it } from 'vitest';
import { loadConfigValue } from '../../../../shared/config/load.js';

const load = (route: object) =>
  loadConfigValue({
    gateways: [
      { name: 'shop', port: 0, routes: { stable: { target: 'http://127.0.0.1:3000' }, candidate: route } },
    ],
  });

describe('shadow fields', () => {
  it('normalises shadow, shadow_methods and compare with their defaults', () => {
    const r = load({ target: 'http://127.0.0.1:3001', weight: '0%', shadow: '100%' });
    expect(r.ok && r.config.gateways[0]!.routes[1]!.shadow).toEqual({
      percent: 100,
      methods: ['GET', 'HEAD'],
      ignore: [],
      noise: false,
    });
    const s = load({
      target: 'http://127.0.0.1:3001',
      weight: 0,
      shadow: 25,
      shadow_methods: ['get', 'post'],
      compare: { ignore: ['header:date', 'body:$.at'], noise: true },
    });
    expect(s.ok && s.config.gateways[0]!.routes[1]!.shadow).toEqual({
      percent: 25,
      methods: ['GET', 'POST'],
      ignore: ['header:date', 'body:$.at'],
      noise: true,
    });
  });

  it('names the gateway, route and field of what is wrong', () => {
    const r = load({
      target: 'http://127.0.0.1:3001',
      weight: 0,
      shadow: '120%',
      compare: { ignore: ['body:generatedAt'] },
    });
    expect(r.ok).toBe(false);
    const messages = r.ok ? [] : r.issues.map((i) => i.message).join('\n');
    expect(messages).toMatch(/shop.*candidate.*shadow/);
    const q = load({
      target: 'http://127.0.0.1:3001',
      weight: 0,
      shadow: 50,
      compare: { ignore: ['body:generatedAt'] },
    });
    expect(q.ok ? '' : q.issues.map((i) => i.message).join('\n')).toMatch(/JSON path starting at \$/);
    const m = load({ target: 'http://127.0.0.1:3001', shadow_methods: ['POST'] });
    expect(m.ok ? '' : m.issues.map((i) => i.message).join('\n')).toMatch(/no effect without shadow/);
  });
});
