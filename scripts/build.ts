/**
 * `npm run build`: what the package ships, in `dist/`.
 *
 * - ESM JavaScript with declarations and source maps for the construct (`dist/stacks`), the
 *   sandbox (`dist/local`), the CLI (`dist/bin`) and the domain they share (`dist/shared`);
 * - the function bundles, built once here and only read at a consumer's synth
 *   (`dist/functions`);
 * - the `figgy-events-cdktn` package's `dist/`, in `flavours/cdktn/` (scripts/cdktn-flavour.ts).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../stacks/function-bundles.ts';
import { bundleAllHandlers } from './bundle-handlers.ts';
import { buildCdktnFlavour, CDKTN_FLAVOUR_FOLDER } from './cdktn-flavour.ts';
import { fixDeclarationSpecifiers } from './declaration-specifiers.ts';

const root = packageRoot();
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
// A build that fails before the flavour's turn must not leave its last dist/ for `npm pack`.
rmSync(join(root, CDKTN_FLAVOUR_FOLDER, 'dist'), { recursive: true, force: true });
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

fixDeclarationSpecifiers(dist);

// The sandbox's worker entry is plain JavaScript, loaded by URL beside its host.
copyFileSync(join(root, 'local', 'lambda-worker.mjs'), join(dist, 'local', 'lambda-worker.mjs'));
chmodSync(join(dist, 'bin', 'figgy-events.js'), 0o755);

const bundles = bundleAllHandlers();
console.log(`built dist/: compiled code and ${bundles.length} function bundles`);

const flavour = buildCdktnFlavour(root, join(dist, 'functions'));
console.log(`built ${flavour}/dist/: the CDK Terrain flavour, type-checked against cdktn and @cdktn/provider-aws`);
