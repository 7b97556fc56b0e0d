import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * Under the Dosewise server (`dosewise start --dev`), Vite runs in middleware mode behind the
 * server's Content-Security-Policy, which allows no inline scripts and no websocket to another
 * port: React Fast Refresh (an inline preamble) and the HMR socket cannot work there, and the
 * preamble check would stop the app from starting. Hot updates are turned off in that mode only;
 * a page reload shows changes. Standalone `vite` keeps hot updates.
 */
function noHotUpdatesBehindServer(): Plugin {
  return {
    name: 'dosewise:no-hmr-in-middleware-mode',
    config(config) {
      if (config.server?.middlewareMode) return { server: { hmr: false } };
      return undefined;
    },
  };
}

/**
 * The vaccinator app installs as a PWA and opens without a connection: the service worker
 * precaches the whole app shell (every page of the single-page app is one index.html and its
 * chunks) and answers navigations from the cache. API calls are never cached: the vaccinator's
 * data lives in IndexedDB, where the app controls what stays on the device. The worker is
 * registered by the vaccinator screen and by the public verify page, which checks certificates
 * offline with the trust list it keeps in the browser (see src/certificates/lists.ts).
 */
const pwa = VitePWA({
  registerType: 'autoUpdate',
  injectRegister: false,
  includeAssets: ['favicon.svg', 'apple-touch-icon.png'],
  manifest: {
    id: '/vaccinator',
    name: 'Dosewise Vaccinator',
    short_name: 'ডোজওয়াইজ',
    description: 'Record vaccinations at a session, with or without a connection.',
    lang: 'en',
    dir: 'ltr',
    start_url: '/vaccinator',
    scope: '/',
    display: 'standalone',
    orientation: 'any',
    theme_color: '#0b5e63',
    background_color: '#f6f8f9',
    icons: [
      { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
      { src: '/icon-512.png', sizes: '512x512', type: 'image/png' },
      { src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  },
  workbox: {
    globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
    navigateFallback: '/index.html',
    navigateFallbackDenylist: [/^\/api\//, /^\/health\//],
    clientsClaim: true,
    skipWaiting: true,
    cleanupOutdatedCaches: true,
    maximumFileSizeToCacheInBytes: 5 * 1024 * 1024,
  },
});

/**
 * Two views of `@dosewise/certificates` in the browser. The vaccinator needs only the vaccination
 * card token (checked offline on the vaccinator's device), not the certificate signing and X.509
 * code of the rest of the package, so every import resolves to the card-token module, except in
 * the certificate screens (src/verify, src/certificates): the public verify page loads the whole
 * library, as a chunk of its own fetched when the page first checks a certificate.
 */
function certificateLibrary(): Plugin {
  const packageSrc = fileURLToPath(new URL('../../packages/certificates/src/', import.meta.url));
  const fullScreens = [
    fileURLToPath(new URL('./src/verify/', import.meta.url)),
    fileURLToPath(new URL('./src/certificates/', import.meta.url)),
  ];
  return {
    name: 'dosewise:certificate-library',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source !== '@dosewise/certificates') return null;
      const full = importer !== undefined && fullScreens.some((dir) => importer.startsWith(dir));
      return `${packageSrc}${full ? 'index.ts' : 'card-token.ts'}`;
    },
  };
}

// The Fastify server hosts this app (built assets from dist/, or Vite in middleware mode in development).
// The proxy only matters when running `vite` on its own next to a server on port 3000.
export default defineConfig({
  plugins: [noHotUpdatesBehindServer(), certificateLibrary(), react(), pwa],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/api': 'http://localhost:3000',
      '/health': 'http://localhost:3000',
    },
  },
});
