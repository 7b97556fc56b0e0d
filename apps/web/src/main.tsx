import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router/dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import './i18n/index.ts';
import './styles.css';
import { ApiError } from './api/client.ts';
import { subscribe, getSession } from './auth/session.ts';
import { router } from './router.tsx';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // A refusal (4xx) will not change by asking again; network trouble and 5xx might.
      retry: (failures, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
    },
  },
});

// Nothing one staff member loaded may be shown to the next: drop the cache when the user changes.
let userId = getSession()?.user.id ?? null;
subscribe(() => {
  const next = getSession()?.user.id ?? null;
  if (next !== userId) {
    userId = next;
    queryClient.clear();
  }
});

const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
