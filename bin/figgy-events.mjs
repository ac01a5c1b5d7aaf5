#!/usr/bin/env node
// What `npx figgy-events` runs. Plain Node cannot load the TypeScript CLI, so tsx's loader is
// registered first, resolved from this file rather than the working directory: the command
// then works from anywhere, with no build step, exactly as the tests run the code.
import { register } from 'tsx/esm/api';

register();
await import('./figgy-events.ts');
