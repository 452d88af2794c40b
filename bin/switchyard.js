#!/usr/bin/env node
// The built CLI lives in dist/ (run `npm run build` first); this shim keeps `npx switchyard` stable.
import '../dist/main/cli/index.js';
