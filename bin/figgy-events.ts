#!/usr/bin/env node
/**
 * The `figgy-events` executable: restore, replay and the sandbox (see `main.ts`).
 *
 * @example
 * // installed, through package.json "bin" (compiled to dist/bin, plain Node):
 * //   npx figgy-events restore --prefix /app/orders --at 2h
 * // in a checkout of this repository, from source:
 * //   npx tsx bin/figgy-events.ts replay --table figgy-config-cache-rebuilt
 */
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
