// Run as `node import-probe.mjs <bundle>` in a fresh process: prints how long importing the
// bundle took, the part of a Lambda cold start the bundle decides (Node's own start-up is
// the same for every bundle and is left out). Plain .mjs so no TypeScript loader is timed.
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const start = performance.now();
const module = await import(pathToFileURL(process.argv[2]).href);
const importMs = performance.now() - start;
// A CommonJS bundle's exports may arrive as named exports or only under `default`.
const handler = module.handler ?? module.default?.handler;
if (typeof handler !== 'function') {
  process.stderr.write(`${process.argv[2]} exports no handler function\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ importMs })}\n`);
