import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  buildReport,
  formatCompareJunit,
  formatCompareText,
  reportPasses,
  shapeOf,
  type CompareCase,
} from '../../../../shared/compare/report.js';

const same = (path: string): CompareCase => ({
  method: 'GET',
  path,
  verdict: 'same',
  statuses: [200, 200],
  durationsMs: [3, 4],
  differences: [],
  more: 0,
  ignored: 0,
});

describe('compare report', () => {
  it('collapses numbers, UUIDs and long hex in a path, and leaves the query out', () => {
    expect(shapeOf('get', '/users/42/orders/9f1c2d3e4b5a6978?x=1')).toBe('GET /users/{id}/orders/{id}');
    expect(shapeOf('GET', '/a/123e4567-e89b-12d3-a456-426614174000')).toBe('GET /a/{id}');
    expect(shapeOf('POST', '/v2/items/catalogue')).toBe('POST /v2/items/catalogue');
    expect(shapeOf('GET', '/')).toBe('GET /');
  });

  const different: CompareCase = {
    ...same('/users/7'),
    verdict: 'different',
    statuses: [200, 500],
    differences: [
      { path: 'status', kind: 'changed', primary: '200', shadow: '500' },
      { path: 'body:$.name', kind: 'removed', primary: '"<Ann & co>"' },
    ],
  };
  const error: CompareCase = {
    ...same('/health'),
    verdict: 'error',
    statuses: [200, null],
    error: 'b: ECONNRESET',
  };
  const report = buildReport(
    'app',
    ['a', 'b'],
    ['header:x-v'],
    [same('/users/1'), different, same('/about'), error],
  );

  it('groups by shape, shapes with differences first, and fails when anything differs', () => {
    expect(report.shapes.map((s) => [s.shape, s.count, s.same, s.different, s.error])).toEqual([
      ['GET /users/{id}', 2, 1, 1, 0],
      ['GET /health', 1, 0, 0, 1],
      ['GET /about', 1, 1, 0, 0],
    ]);
    expect(reportPasses(report)).toBe(false);
    expect(reportPasses(buildReport('app', ['a', 'b'], [], [same('/x')]))).toBe(true);
    const text = formatCompareText(report);
    expect(text).toContain("compare 'app': a vs b: 4 requests, 2 same, 1 different, 1 errors");
    expect(text).toContain('GET /users/7: 200 vs 500');
    expect(text).toContain('body:$.name removed: "<Ann & co>" -> (none)');
    expect(text).toContain('error: b: ECONNRESET');
    expect(text.trim().split('\n').at(-1)).toBe('FAIL: answers differ');
  });

  it('writes JUnit XML that an XML parser reads, with a failure per differing request', () => {
    const xml = formatCompareJunit(report);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (name) => ['testsuite', 'testcase'].includes(name),
    }).parse(xml) as JUnit;
    const root = doc.testsuites;
    expect([root.tests, root.failures, root.errors]).toEqual(['4', '1', '1']);
    expect(root.testsuite.map((s) => s.name)).toEqual(['GET /users/{id}', 'GET /health', 'GET /about']);
    const cases = root.testsuite.flatMap((s) => s.testcase);
    expect(cases.length).toBe(4);
    const failed = cases.filter((c) => c.failure);
    expect(failed.map((c) => c.name)).toEqual(['GET /users/7']);
    expect(failed[0]!.failure!['#text']).toContain('body:$.name removed: "<Ann & co>" -> (none)');
    expect(cases.find((c) => c.error)!.error!.message).toBe('b: ECONNRESET');
  });
});

interface JUnit {
  testsuites: {
    tests: string;
    failures: string;
    errors: string;
    testsuite: {
      name: string;
      testcase: { name: string; failure?: { '#text': string }; error?: { message: string } }[];
    }[];
  };
}
