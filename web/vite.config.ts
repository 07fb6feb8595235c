import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web app is plain static files served by the Hearth server from web/dist (no CDN, no fonts,
// no third-party origin: everything it needs is bundled).
export default defineConfig({
  plugins: [react()],
  // Vite's "public" folder is not used; an empty setting keeps it from looking for one.
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Small assets would become data: URLs; keeping them files keeps the CSP simple.
    assetsInlineLimit: 0,
    // No module-preload polyfill: it would be injected as an inline script, which the CSP forbids.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:7070', '/fhir': 'http://127.0.0.1:7070' } },
});
