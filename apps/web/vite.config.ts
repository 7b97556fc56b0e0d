import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

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

// The Fastify server hosts this app (built assets from dist/, or Vite in middleware mode in development).
// The proxy only matters when running `vite` on its own next to a server on port 3000.
export default defineConfig({
  plugins: [noHotUpdatesBehindServer(), react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/api': 'http://localhost:3000',
      '/health': 'http://localhost:3000',
    },
  },
});
