import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is built into dist/renderer and served by Electron (app://) or `switchyard serve`.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  // The UI is loaded from this machine (app:// or 127.0.0.1), so one ~450 kB bundle is fine.
  build: { outDir: '../dist/renderer', emptyOutDir: true, chunkSizeWarningLimit: 800 },
});
