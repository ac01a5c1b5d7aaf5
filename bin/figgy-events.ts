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
import { nodeVersionNote } from './node-version.ts';

// Said once, before any SDK client exists: the SDK's own nine-line warning is then switched off.
const note = nodeVersionNote(process.version);
if (note) {
  process.stderr.write(`figgy-events: ${note}\n`);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
// Loaded after the check, so that nothing the command line brings in runs before it.
const { main } = await import('./main.ts');

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
