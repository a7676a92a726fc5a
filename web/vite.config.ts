import { defineConfig } from 'vite';

// The dev server forwards the API and the WebSocket to a running node, so the app is
// same-origin in development exactly as when the node serves dist/ itself.
const backend = process.env.VEZA_URL || 'http://localhost:8080';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    // Vite's default names under assets/ carry a content hash: the node caches /assets/* for a
    // year and revalidates index.html on every load.
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: true },
      '/ws': { target: backend, changeOrigin: true, ws: true },
    },
  },
});
