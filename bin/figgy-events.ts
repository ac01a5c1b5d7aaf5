#!/usr/bin/env node
/**
 * The `figgy-events` executable: restore, history, log, diff, mappings, replay, migrate and the sandbox
 * (see `main.ts`).
 *
 * @example
 * // installed, through package.json "bin" (compiled to dist/bin, plain Node):
 * //   npx figgy-events restore --prefix /app/orders --at 2h
 * // in a checkout of this repository, from source:
 * //   npx tsx bin/figgy-events.ts replay --table figgy-config-cache-rebuilt
 */
import { main } from './main.ts';

const argv = process.argv.slice(2);
const interrupt = new AbortController();
// Writes stop at a safe point on the first Ctrl-C and say what is left; a second one ends the
// process at once. Other commands only read (or, the sandbox, handle signals themselves).
if (argv[0] === 'restore' || argv[0] === 'migrate') {
  process.on('SIGINT', () => {
    if (interrupt.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: stopping after the current step (Ctrl-C again to quit now)\n');
    interrupt.abort();
  });
}

process.exitCode = await main(argv, { signal: interrupt.signal });
