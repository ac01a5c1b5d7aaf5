/**
 * `npm run build`: what the package ships, in `dist/`.
 *
 * - ESM JavaScript with declarations and source maps for the construct (`dist/stacks`), the
 *   sandbox (`dist/local`), the CLI (`dist/bin`) and the domain they share (`dist/shared`);
 * - the six function bundles, built once here and only read at a consumer's synth
 *   (`dist/functions`).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../stacks/function-bundles.ts';
import { bundleAllHandlers } from './bundle-handlers.ts';

const root = packageRoot();
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

// tsc rewrites `./x.ts` to `./x.js` in the JavaScript it emits but not in declarations, and a
// consumer's compiler looks for the `.js` name beside the `.d.ts`.
const RELATIVE_TS_SPECIFIER = /((?:from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]+?)\.ts(['"])/g;
for (const entry of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  if (!entry.endsWith('.d.ts')) continue;
  const file = join(dist, entry);
  writeFileSync(file, readFileSync(file, 'utf8').replace(RELATIVE_TS_SPECIFIER, '$1.js$2'));
}

// The sandbox's worker entry is plain JavaScript, loaded by URL beside its host.
copyFileSync(join(root, 'local', 'lambda-worker.mjs'), join(dist, 'local', 'lambda-worker.mjs'));
chmodSync(join(dist, 'bin', 'figgy-events.js'), 0o755);

const bundles = bundleAllHandlers();
console.log(`built dist/: compiled code and ${bundles.length} function bundles`);
