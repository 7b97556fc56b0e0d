#!/usr/bin/env node
// The dosewise command: runs the server's TypeScript directly through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../apps/server/src/cli.ts');
