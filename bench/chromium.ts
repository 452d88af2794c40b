/** Debian's Chromium, as every browser test and the UI benchmark start it. */
export const CHROMIUM = '/usr/bin/chromium';
/** Headless-safe and quiet: no sandbox (root in CI), no GPU, nothing fetched in the background. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
