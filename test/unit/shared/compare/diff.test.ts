import { describe, expect, it } from 'vitest';
import {
  checkIgnoreRule,
  compareAnswers,
  IgnoreRules,
  noiseBetween,
  summarize,
  type Answer,
} from '../../../../shared/compare/diff.js';

const json = (value: unknown, headers: Record<string, string> = {}, status = 200): Answer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)),
});
const none = new IgnoreRules([]);

describe('compareAnswers', () => {
  it('calls reordered JSON keys (and reformatted JSON) the same', () => {
    const a = json({ id: 1, user: { name: 'a', tags: ['x', 'y'] } });
    const b = json('{\n  "user": {"tags": ["x","y"], "name": "a"},\n  "id": 1\n}');
    const c = compareAnswers(a, b, none);
    expect(c).toMatchObject({ verdict: 'same', bodyAs: 'json', differences: [] });
  });

  it('reports a changed nested value at its path', () => {
    const a = json({ user: { address: { city: 'Oslo' } }, items: [{ id: 1 }] });
    const b = json({ user: { address: { city: 'Bergen' } }, items: [{ id: 1 }, { id: 2 }] });
    const c = compareAnswers(a, b, none);
    expect(c.verdict).toBe('different');
    expect(c.differences).toEqual([
      { path: 'body:$.user.address.city', kind: 'changed', primary: '"Oslo"', shadow: '"Bergen"' },
      { path: 'body:$.items[1]', kind: 'added', shadow: '{"id":2}' },
    ]);
    expect(summarize(c)).toBe('2 differences: body:$.user.address.city, body:$.items[1]');
  });

  it('compares status and headers, minus the default ignore list', () => {
    const a = json({}, { date: 'Mon', 'x-request-id': '1', 'x-version': '1' }, 200);
    const b = json({}, { date: 'Tue', 'x-request-id': '2', 'x-version': '2', 'x-new': 'y' }, 201);
    const c = compareAnswers(a, b, none);
    expect(c.differences.map((d) => d.path)).toEqual(['status', 'header:x-version', 'header:x-new']);
  });

  it('ignore rules suppress exactly what they name (and what is under it)', () => {
    const a = json(
      { generatedAt: 1, meta: { at: 1, n: 1 }, items: [{ id: 'a', v: 1 }], keep: 1 },
      { 'x-v': '1' },
    );
    const b = json(
      { generatedAt: 2, meta: { at: 2, n: 2 }, items: [{ id: 'b', v: 2 }], keep: 2 },
      { 'x-v': '2' },
    );
    const rules = new IgnoreRules(['header:X-V', 'body:$.generatedAt', 'body:$.meta', 'body:$.items[*].id']);
    const c = compareAnswers(a, b, rules);
    expect(c.differences.map((d) => d.path)).toEqual(['body:$.items[0].v', 'body:$.keep']);
    expect(c.ignored).toBe(5);
    // A rule names a field, not a prefix of its name.
    const d = compareAnswers(
      json({ generatedAtX: 1 }),
      json({ generatedAtX: 2 }),
      new IgnoreRules(['body:$.generatedAt']),
    );
    expect(d.verdict).toBe('different');
  });

  it('compares text line by line and binary by hash', () => {
    const text = (s: string): Answer => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: new TextEncoder().encode(s),
    });
    const c = compareAnswers(text('a\nb\nc\nd'), text('a\nB\nc\nd'), none);
    expect(c).toMatchObject({
      bodyAs: 'text',
      differences: [{ path: 'body:line 2', primary: 'b', shadow: 'B' }],
    });
    const bin = (bytes: number[]): Answer => ({
      status: 200,
      headers: { 'content-type': 'image/png' },
      body: Uint8Array.from(bytes),
    });
    expect(compareAnswers(bin([1, 2, 3]), bin([1, 2, 3]), none).verdict).toBe('same');
    const b = compareAnswers(bin([1, 2, 3]), bin([1, 2, 4]), none);
    expect(b).toMatchObject({ bodyAs: 'binary', differences: [{ path: 'body', kind: 'changed' }] });
  });

  it('learns noise from two primary answers and then ignores exactly it', () => {
    const first = json({ id: 7, token: 'abc', at: 1 }, { 'x-trace': 't1' });
    const second = json({ id: 7, token: 'xyz', at: 2 }, { 'x-trace': 't2' });
    const learned = noiseBetween(first, second);
    expect(learned).toEqual(['header:x-trace', 'body:$.token', 'body:$.at']);
    const shadow = json({ id: 8, token: 'q', at: 3 }, { 'x-trace': 't3' });
    const c = compareAnswers(first, shadow, new IgnoreRules(learned));
    expect(c.differences.map((d) => d.path)).toEqual(['body:$.id']);
  });

  it('checks rules', () => {
    expect(checkIgnoreRule('header:date')).toBeUndefined();
    expect(checkIgnoreRule('body:$.a[*].b')).toBeUndefined();
    expect(checkIgnoreRule('body:generatedAt')).toMatch(/JSON path/);
    expect(checkIgnoreRule('cookie:x')).toMatch(/not an ignore rule/);
  });
});
