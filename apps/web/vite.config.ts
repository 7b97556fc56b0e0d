import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The Fastify server hosts this app (built assets from dist/, or Vite in middleware mode in development).
// The proxy only matters when running `vite` on its own next to a server on port 3000.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/api': 'http://localhost:3000',
      '/health': 'http://localhost:3000',
    },
  },
});
