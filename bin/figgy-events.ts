#!/usr/bin/env -S npx tsx
/**
 * The `figgy-events` executable: restore, replay and the sandbox (see `main.ts`).
 *
 * @example
 * // from the repository, through package.json "bin":
 * //   npx figgy-events restore --prefix /app/orders --at 2h
 * // or directly:
 * //   npx tsx bin/figgy-events.ts replay --table figgy-config-cache-rebuilt
 */
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
