import { describe, expect, it } from 'vitest';
import { toForm, toSource } from '../../../../renderer/src/lib/gateway-form.js';
import { portProtocol, withProtocol } from '../../../../renderer/src/lib/gateway-form-listen.js';
import type { GatewaySource } from '../../../../shared/config/source.js';

/** The editor's listener boxes (issue 13): virtual hosts, TLS, the port's protocol, route TLS and h2. */
describe('the gateway form: listening and upstream TLS', () => {
  const shop: GatewaySource = {
    name: 'shop',
    port: '8443/https',
    virtual_hosts: ['shop.localhost', '*.shop.localhost'],
    tls: { cert: 'cert.pem', key: 'key.pem' },
    routes: { api: { target: 'https://127.0.0.1:9443', tls_verify: false, ca: 'dev-ca.pem', h2: true } },
  };

  it('reads the fields into boxes, and gives the source back unchanged', () => {
    const form = toForm(shop);
    expect(form).toMatchObject({
      port: '8443/https',
      virtualHosts: 'shop.localhost, *.shop.localhost',
      tls: 'files',
      tlsCert: 'cert.pem',
      tlsKey: 'key.pem',
    });
    expect(form.routes[0]).toMatchObject({ h2: true, tlsVerify: false, ca: 'dev-ca.pem' });
    expect(toSource(form)).toEqual(shop);
  });

  it('writes changed boxes: names as a list, tls auto or removed, flags only when not the default', () => {
    const form = toForm(shop);
    const edited = toSource({
      ...form,
      port: '8080',
      virtualHosts: 'a.localhost  b.localhost,',
      tls: 'auto',
      routes: [{ ...form.routes[0]!, h2: false, tlsVerify: true, ca: ' ' }],
    });
    expect(edited).toEqual({
      name: 'shop',
      port: 8080,
      virtual_hosts: ['a.localhost', 'b.localhost'],
      tls: 'auto',
      routes: { api: { target: 'https://127.0.0.1:9443' } },
    });
    const bare = toSource({ ...toForm(edited), virtualHosts: '', tls: 'none' });
    expect(bare).not.toHaveProperty('virtual_hosts');
    expect(bare).not.toHaveProperty('tls');
    const files = toSource({ ...toForm(bare), tls: 'files', tlsCert: 'c.pem ', tlsKey: 'k.pem' });
    expect(files.tls).toEqual({ cert: 'c.pem', key: 'k.pem' });
    const strict = toSource({ ...toForm(bare), routes: [{ ...toForm(bare).routes[0]!, tlsVerify: false }] });
    expect(strict.routes).toEqual({ api: { target: 'https://127.0.0.1:9443', tls_verify: false } });
  });

  it("reads and sets the port's protocol", () => {
    expect(['8080', '8080/http', '8443/https', '5433/TCP', ''].map(portProtocol)).toEqual([
      'http',
      'http',
      'https',
      'tcp',
      'http',
    ]);
    expect(withProtocol('8080', 'https')).toBe('8080/https');
    expect(withProtocol('8443/https', 'tcp')).toBe('8443/tcp');
    expect(withProtocol('5433/tcp', 'http')).toBe('5433');
  });
});
