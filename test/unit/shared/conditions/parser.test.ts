import { describe, expect, it } from 'vitest';
import {
  compileCondition,
  ConditionSyntaxError,
  explainCondition,
  parseCondition,
  type RequestView,
} from '../../../../shared/conditions/index.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const EDGE = `${CHROME} Edg/126.0.0.0`;
/** EdgeHTML, the Edge that Vamp's user-agents.yml knew ("Edge/"). */
const OLD_EDGE =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19041';
const SAFARI =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

function view(p: {
  ua?: string;
  host?: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  cookies?: Record<string, string>;
  query?: Record<string, string>;
}): RequestView {
  const headers: Record<string, string> = { ...(p.headers ?? {}) };
  if (p.ua) headers['user-agent'] = p.ua;
  return {
    method: p.method ?? 'GET',
    path: p.path ?? '/',
    host: p.host ?? 'localhost:8080',
    header: (n) => headers[n],
    cookie: (n) => p.cookies?.[n],
    query: (n) => p.query?.[n],
  };
}

const matches = (condition: string, v: RequestView) => compileCondition(parseCondition(condition))(v);

describe('Vamp condition examples', () => {
  // Every example in the Vamp conditions page and gateway seed, with a request that matches and one that does not.
  const table: [string, RequestView, RequestView][] = [
    ['user-agent == Firefox', view({ ua: FIREFOX }), view({ ua: CHROME })],
    ['user-agent != Firefox', view({ ua: CHROME }), view({ ua: FIREFOX })],
    // Vamp: hdr_str(host), the Host header exactly, port included.
    ['host == localhost', view({ host: 'localhost' }), view({ host: 'localhost:8080' })],
    ['host != localhost', view({ host: 'example.com' }), view({ host: 'localhost' })],
    ['has cookie vamp', view({ cookies: { vamp: 'x' } }), view({})],
    ['misses cookie vamp', view({}), view({ cookies: { vamp: 'x' } })],
    ['has header ETag', view({ headers: { etag: '"1"' } }), view({})],
    ['misses header ETag', view({}), view({ headers: { etag: '"1"' } })],
    ['cookie vamp has 12345', view({ cookies: { vamp: 'a12345b' } }), view({ cookies: { vamp: '999' } })],
    ['cookie vamp misses 12345', view({ cookies: { vamp: '999' } }), view({ cookies: { vamp: '12345' } })],
    ['header vamp has 12345', view({ headers: { vamp: 'x12345' } }), view({ headers: { vamp: '1' } })],
    ['header vamp misses 12345', view({ headers: { vamp: '1' } }), view({ headers: { vamp: '12345' } })],
    // Not an alias in Vamp's user-agents.yml: a case-sensitive substring test, so an iPhone ("iPhone OS") is not "IOS".
    ['User-Agent = IOS', view({ ua: 'MyApp/2.1 (IOS 17.5)' }), view({ ua: IPHONE })],
    ['< hdr_sub(user-agent) Chrome >', view({ ua: CHROME }), view({ ua: FIREFOX })],
    [
      'User-Agent = Chrome AND Has Header X-VAMP-MY-COOL-HEADER',
      view({ ua: CHROME, headers: { 'x-vamp-my-cool-header': 's' } }),
      view({ ua: CHROME }),
    ],
    [
      '(User-Agent = Chrome OR User-Agent = Firefox) AND has cookie vamp',
      view({ ua: FIREFOX, cookies: { vamp: '1' } }),
      view({ ua: SAFARI, cookies: { vamp: '1' } }),
    ],
    ['user-agent == a and user-agent != b', view({ ua: 'xa' }), view({ ua: 'ab' })],
    ['user-agent == a and not user-agent == b', view({ ua: 'xa' }), view({ ua: 'ab' })],
    [
      'hdr_sub(user-agent) Android'.replace(/^/, '< ').concat(' >'),
      view({ ua: 'Linux; Android 14' }),
      view({ ua: FIREFOX }),
    ],
    ['user-agent=Android', view({ ua: 'Linux; Android 14' }), view({ ua: FIREFOX })],
    ['User-Agent=Android', view({ ua: 'Linux; Android 14' }), view({ ua: FIREFOX })],
    ['user-agent = Android', view({ ua: 'Linux; Android 14' }), view({ ua: FIREFOX })],
  ];
  it.each(table)('%s', (condition, yes, no) => {
    expect(matches(condition, yes)).toBe(true);
    expect(matches(condition, no)).toBe(false);
  });
});

describe('operators', () => {
  const v = view({
    path: '/api/users/42',
    method: 'POST',
    ua: OLD_EDGE,
    query: { tier: 'gold' },
    headers: { 'x-user': 'alice' },
  });
  it.each([
    ['user-agent is Edge', true],
    ['user-agent is not Edge', false],
    ['user-agent not Edge', false],
    ['user-agent has Edge', true],
    ['user-agent contains Edge', true],
    ['user-agent misses Edge', false],
    ['user-agent ! Edge', false],
    ['user-agent == Chrome', true], // as in Vamp: the Chrome alias is a substring test for "Chrome"
    ['user agent == edge', true],
    ['useragent == EDGE', true],
    ['path == /api/users/42', true],
    ['path starts-with /api', true],
    ['path ends-with /42', true],
    ['path matches "^/api/users/[0-9]+$"', true],
    ['path contains users', true],
    ['path starts-with /admin', false],
    ['method == post', true],
    ['method != GET', true],
    ['query tier == gold', true],
    ['query tier == silver', false],
    ['has query tier', true],
    ['misses query debug', true],
    ['header x-user starts-with ali', true],
    ['header X-User == alice', true],
    ['true', true],
    ['false', false],
    ['! false', true],
    ['not (path starts-with /api || method == GET)', false],
    ['path starts-with /api && method == POST', true],
    ['path starts-with /x | method == POST', true],
    ['path starts-with /x & method == POST', false],
    ['< path_beg /api /v2 >', true],
    ['< path_end .json >', false],
    ['< path_reg ^/api/users/\\d+$ >', true],
    ['< method POST PUT >', true],
    ['< hdr(x-user) alice >', true],
    ['< hdr_sub(x-user) -i LIC >', true],
    ['< url_param(tier) gold >', true],
    ['header "x-user" == "alice"', true],
  ] as const)('%s -> %s', (condition, expected) => {
    expect(matches(condition, v)).toBe(expected);
  });

  it('binds "and" tighter than "or"', () => {
    expect(matches('true or false and false', v)).toBe(true);
    expect(matches('(true or false) and false', v)).toBe(false);
  });
});

describe('syntax errors name the position', () => {
  it.each([
    ['user-agent Firefox', /expected an operator .* after 'user-agent', found 'firefox' at column 12/],
    ['user-agent ==', /expected a value at column 14/],
    ['colour == red', /unknown operand 'colour'.* at column 1$/],
    ['(host == a', /missing '\)' for the '\(' opened at column 1; expected it at column 11/],
    ['has biscuit x', /expected 'cookie', 'header' or 'query' after 'has' at column 5/],
    ['host == a b', /unexpected 'b'.* at column 11/],
    ['< src 10.0.0.0/8 >', /unsupported HAProxy fetch 'src'.* at column 3/],
    ['req.ssl_sni -m sub x', /unsupported HAProxy fetch 'req.ssl_sni'/],
    ['< hdr(x) -m dom x >', /unsupported match method '-m dom'/],
    ['path matches "a(b)\\\\1"', /backreferences .* not supported/],
    ['header x matches "(?=a)"', /lookaround .* not supported/],
    ['< path_reg ^(?!/admin) >', /lookaround .* not supported/],
    ['< hdr_sub user-agent >', /needs a name in parentheses/],
    ['path matches "(unclosed"', /invalid regular expression/],
    ['header x == "open', /unterminated " quote at column 13/],
    ['', /the condition is empty/],
    ['host == a and', /expected a test/],
  ])('%s', (condition, message) => {
    expect(() => parseCondition(condition)).toThrow(ConditionSyntaxError);
    expect(() => parseCondition(condition)).toThrow(message);
  });

  it('reports the column as a number too', () => {
    try {
      parseCondition('host == a or colour == red');
    } catch (err) {
      expect((err as ConditionSyntaxError).column).toBe(14);
    }
    expect.assertions(1);
  });
});

describe('explain', () => {
  it.each([
    ['user-agent == Firefox', 'the browser is Firefox'],
    ['user-agent != Firefox', 'the browser is not Firefox'],
    ['user-agent == Foo', 'User-Agent contains "Foo"'],
    ['has cookie beta', 'the request has a cookie "beta"'],
    ['misses header ETag', 'the request has no header "ETag"'],
    ['cookie vamp has 12345', 'cookie "vamp" contains "12345"'],
    [
      'path starts-with /api and (method == GET or method == HEAD)',
      'path starts with "/api" and (method is "GET" or method is "HEAD")',
    ],
    ['not host == localhost', 'not (Host is "localhost")'],
    ['path matches ^/v[0-9]', 'path matches /^/v[0-9]/'],
    ['< hdr_sub(user-agent) -i chrome >', 'HAProxy ACL hdr_sub(user-agent) matches "chrome" (ignoring case)'],
  ])('%s', (condition, words) => {
    expect(explainCondition(parseCondition(condition))).toBe(words);
  });
});

describe("Vamp's browser aliases (user-agents.yml) and case", () => {
  const FIREFOX_UA = FIREFOX;
  it.each([
    ['user-agent == Chrome', CHROME, true],
    ['user-agent == Chrome', EDGE, true], // new Edge carries "Chrome": Vamp's alias matches it
    ['user-agent == Edge', EDGE, false], // new Edge says "Edg/", Vamp's alias wants "Edge"
    ['user-agent == Edge', OLD_EDGE, true],
    ['user-agent == Safari', SAFARI, true],
    ['user-agent == Safari', CHROME, false], // Chrome says "Safari" but not "Version"
    ['user-agent == Safari', IPHONE, true],
    ['user-agent == IE', 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)', true],
    ['user-agent == IE', 'Mozilla/5.0 (Windows NT 10.0; Trident/7.0; rv:11.0) like Gecko', false],
    ['user-agent == MSIE', 'Mozilla/4.0 (compatible; MSIE 8.0)', true],
    ['user-agent == firefox', FIREFOX_UA, true], // alias names ignore case, as Vamp upper-cases them
    ['user-agent == gecko', FIREFOX_UA, false], // not an alias: case-sensitive, as Vamp's hdr_sub
    ['user-agent == Gecko', FIREFOX_UA, true],
    ['user-agent == android', 'Linux; Android 14', false],
  ])('%s on %s -> %s', (condition, ua, expected) => {
    expect(matches(condition, view({ ua }))).toBe(expected);
  });
});

describe('raw HAProxy ACLs in the forms Vamp writes', () => {
  const v = view({
    path: '/api/users/42',
    host: 'shop.local:8080',
    ua: FIREFOX,
    headers: { 'x-user': 'Alice' },
    cookies: { session: 'abc123' },
  });
  it.each([
    ["< req.fhdr(User-Agent) -m sub 'Firefox' >", true],
    ["< req.fhdr(User-Agent) -m sub 'firefox' >", false],
    ["< req.fhdr(User-Agent) -i -m sub 'firefox' >", true],
    ['< req.hdr(x-user) -m beg Al >', true],
    ['< hdr_beg(x-user) Al >', true],
    ['< hdr_end(x-user) ice >', true],
    ['< hdr_reg(x-user) ^A.*e$ >', true],
    ['< req.hdr(x-user) -m reg ^a >', false],
    ['< req.hdr(x-user) -m found >', true],
    ['< req.hdr(x-other) -m found >', false],
    ['< req.cook(session) abc123 >', true],
    ['< cook(session) -m found >', true],
    ['< cook_sub(session) c12 >', true],
    ['< cook_cnt(session) eq 0 >', false],
    ['< hdr_cnt(x-user) gt 0 >', true],
    ['< hdr_str(host) shop.local:8080 >', true],
    ['< hdr_str(host) shop.local >', false],
    ['{ path_beg /api }', true],
    ['{ path_beg /admin } or { path_end /42 }', true],
    ['!{ path_beg /admin }', true],
    ['{ path_beg /api } { method POST }', false],
    // A condition that is not the condition language is read as one raw ACL, as Vamp's parser does.
    ['path_beg /api', true],
    ['hdr_sub(user-agent) Firefox', true],
    ['req.fhdr(User-Agent) -m sub Chrome', false],
  ] as const)('%s -> %s', (condition, expected) => {
    expect(matches(condition, v)).toBe(expected);
  });
});

describe('regular expressions run in linear time (RE2)', () => {
  it('answers a catastrophic pattern at once', () => {
    const m = compileCondition(parseCondition('header x-test matches "^(a+)+$"'));
    const started = performance.now();
    expect(m(view({ headers: { 'x-test': `${'a'.repeat(30)}!` } }))).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
