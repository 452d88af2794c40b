import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * electron-builder.yml, and the parts of electron-builder it relies on without configuring them. The
 * packaged-layout test (test/integration/desktop/packaged.test.ts) packs and starts the app for real.
 */
const ROOT = path.resolve(import.meta.dirname, '../../../..');
const config = parse(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as {
  files: string[];
  electronFuses: Record<string, boolean>;
  deb?: { afterInstall?: string; afterRemove?: string; appArmorProfile?: string };
  appImage?: { executableArgs?: string[] };
  toolsets?: { appimage?: string };
};
const builderLib = path.dirname(
  createRequire(createRequire(import.meta.url).resolve('electron-builder/package.json')).resolve(
    'app-builder-lib/package.json',
  ),
);
const template = (name: string) => readFileSync(path.join(builderLib, 'templates/linux', name), 'utf8');

describe('electron-builder.yml', () => {
  it('flips the hardening fuses, and re-signs ad hoc after flipping (Apple Silicon will not launch otherwise)', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      resetAdHocDarwinSignature: true,
    });
  });

  it('packs the built preload (CommonJS) along with the built main process', () => {
    expect(config.files).toEqual(expect.arrayContaining(['dist/main/**/*.js', 'dist/main/**/*.cjs']));
  });
});

describe('Linux packages under AppArmor (Ubuntu 24.04 and later)', () => {
  it("keep electron-builder's deb scripts, which install and remove an AppArmor profile granting userns", () => {
    expect(config.deb?.afterInstall).toBeUndefined();
    expect(config.deb?.afterRemove).toBeUndefined();
    expect(config.deb?.appArmorProfile).toBeUndefined();
    const install = template('after-install.tpl');
    expect(install).toContain(
      "APPARMOR_PROFILE_SOURCE='/opt/${sanitizedProductName}/resources/apparmor-profile'",
    );
    expect(install).toContain("APPARMOR_PROFILE_TARGET='/etc/apparmor.d/${executable}'");
    expect(install).toContain('apparmor_parser --replace');
    expect(template('after-remove.tpl')).toContain('apparmor_parser --remove');
    const profile = template('apparmor-profile.tpl');
    expect(profile).toContain('"/opt/${sanitizedProductName}/${executable}" flags=(unconfined)');
    expect(profile).toMatch(/^\s*userns,$/m);
  });

  it("keep the AppImage's fallback to --no-sandbox where user namespaces are unavailable", () => {
    expect(config.appImage?.executableArgs).toBeUndefined();
    expect(config.toolsets?.appimage).toBeUndefined();
    const appRun = readFileSync(path.join(builderLib, 'out/targets/appimage/appImageUtil.js'), 'utf8');
    expect(appRun).toContain('unshare -Ur true');
    expect(appRun).toContain('NO_SANDBOX=(--no-sandbox)');
  });
});
