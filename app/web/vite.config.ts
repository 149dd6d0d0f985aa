import { defineConfig } from 'vite';

// The page is static: `vite build` writes dist/, `vite preview` serves it. @rpv/client is a
// TypeScript source package (file:../client), compiled by Vite like the page's own code.
export default defineConfig({
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true },
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
  preview: { host: '127.0.0.1', port: 4173, strictPort: false },
});
