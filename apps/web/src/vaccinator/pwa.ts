/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/client" />

let registered = false;

/**
 * Installs the service worker that keeps the app shell on the device, so the vaccinator app opens
 * without a connection once it has been visited. In development there is no worker.
 */
export function registerOfflineApp() {
  if (registered || !import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  registered = true;
  void import('virtual:pwa-register').then(({ registerSW }) => registerSW({ immediate: true }));
}
