import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../../../shared/config/load.js';
import { exportConfig } from '../../../../main/export/export.js';
import { NginxConditionCompiler } from '../../../../main/export/nginx-conditions.js';
import { parseCondition } from '../../../../shared/conditions/parser.js';

const SAFARI =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** The exports the differential harness cannot run (the Gateway API) and what nginx refuses. */
describe('exports of the browser aliases and cookies', () => {
  it('the Gateway API regex for Safari needs "Version" too, as the engine does', () => {
    const loaded = loadConfigText(
      'name: g\nport: 8080\nroutes:\n  a: { targets: [127.0.0.1:3001], condition: user-agent == Safari }\n',
    );
    if (!loaded.ok) throw new Error('invalid');
    const { text } = exportConfig(loaded.config, 'gateway-api', { version: 'test' });
    const value = /name: User-Agent\n\s+value: (.+)/.exec(text)?.[1]?.replace(/^["']|["']$/g, '');
    expect(value).toBeDefined();
    const re = new RegExp(`^${value!.replace(/\\\\/g, '\\')}$`);
    expect(re.test(SAFARI)).toBe(true);
    expect(re.test(CHROME)).toBe(false);
  });

  it('refuses, with a warning, a cookie nginx has no $cookie_ variable for', () => {
    const compiler = new NginxConditionCompiler('t');
    compiler.compile(parseCondition('req.cook(my-flag) yes'));
    expect(compiler.warnings).toEqual([
      "cookie 'my-flag' cannot be read in nginx ($cookie_NAME takes letters, digits and _ only); its test is exported as never true",
    ]);
    expect(compiler.maps.join('\n')).not.toContain('$http_my_flag');
  });

  it('reads cook(NAME) from $cookie_NAME, not a header', () => {
    const compiler = new NginxConditionCompiler('t');
    compiler.compile(parseCondition('{ cook_sub(beta) es }'));
    expect(compiler.maps.join('\n')).toMatch(/^map \$cookie_beta /);
    expect(compiler.warnings).toEqual([]);
  });
});
