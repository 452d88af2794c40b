import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is built into dist/renderer and served by Electron (app://) or `switchyard serve`.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true },
});
