import { defineConfig } from 'vite';

// The preload, bundled into the one CommonJS file a sandboxed preload must be (main/preload/preload.ts
// says why): its imports from shared/ are inlined, and `electron`, which the sandbox provides, is left
// to `require`. tsc type-checks it with the rest of main/ but does not emit it (tsconfig.node.json).
export default defineConfig({
  build: {
    outDir: 'dist/main/preload',
    emptyOutDir: false,
    minify: false,
    sourcemap: false,
    lib: { entry: 'main/preload/preload.ts', formats: ['cjs'], fileName: () => 'preload.cjs' },
    rolldownOptions: { external: ['electron'] },
  },
});
