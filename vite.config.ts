import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The renderer lives in src-renderer/ and is built to dist-renderer/ with relative asset paths, so the
// same build loads from file:// in Electron and from the test host's static server.
const root = fileURLToPath(new URL('./src-renderer', import.meta.url));
export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist-renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    chunkSizeWarningLimit: 2000,
  },
  server: { fs: { allow: [fileURLToPath(new URL('.', import.meta.url))] } },
});
