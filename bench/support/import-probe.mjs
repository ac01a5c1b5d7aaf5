// Run as `node import-probe.mjs <bundle>` in a fresh process: prints how long importing the
// bundle took (wall clock and CPU), the part of a Lambda cold start the bundle decides (Node's own start-up is
// the same for every bundle and is left out). Plain .mjs so no TypeScript loader is timed.
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const start = performance.now();
const cpuStart = process.cpuUsage();
const module = await import(pathToFileURL(process.argv[2]).href);
const importMs = performance.now() - start;
// CPU time as well: on a shared machine it drifts less than the wall clock.
const cpu = process.cpuUsage(cpuStart);
const cpuMs = (cpu.user + cpu.system) / 1000;
if (typeof module.handler !== 'function') {
  process.stderr.write(`${process.argv[2]} exports no handler function\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ importMs, cpuMs })}\n`);
