/**
 * Builds each handler into one minified ESM file that Lambda's Node.js runtime loads as is:
 * what `npm run build` ships in the package and the construct deploys.
 *
 * The output depends on the source only: no timestamps, no absolute paths, nothing from the
 * machine, so building twice gives byte-identical bundles, the same asset hashes and no Lambda
 * change in `terraform plan`.
 *
 *   npm run build:functions    # into dist/functions
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { FUNCTION_NAMES, type FunctionName } from '../shared/functions.ts';
import {
  BUNDLE_FILE,
  bundleDirectory,
  functionBundle,
  packageRoot,
  type FunctionBundle,
  type FunctionBundleOptions,
} from '../stacks/function-bundles.ts';

/** Lambda's runtime is `nodejs22.x`; the bundles may use all of its syntax. */
export const BUNDLE_TARGET = 'node22';

// Some dependencies are CommonJS and call require() for Node built-ins; an ESM bundle has no
// require of its own, so one is made from import.meta.url. The alias avoids clashing with
// any name esbuild generates.
export const REQUIRE_SHIM =
  "import { createRequire as __figgyCreateRequire } from 'node:module';" +
  ' const require = __figgyCreateRequire(import.meta.url);';

// Modules of the AWS SDK that a Lambda function of ours never runs, each replaced by a small
// one of ours (read each for why). Together about 160 KB less to upload and to parse at every
// cold start. What an alias cannot reach (a client's own files, imported by relative paths)
// the plugins of scripts/lambda-sdk-plugins.ts shrink or replace: about 52 KB more.
export const LAMBDA_SDK_ALIASES = {
  '@aws-sdk/credential-provider-node': './handlers/lambda-sdk/environment-credentials.ts',
  '@smithy/core/event-streams': './handlers/lambda-sdk/no-event-streams.ts',
  '@aws-sdk/endpoint-cache': './handlers/lambda-sdk/no-endpoint-cache.ts',
};

// Runs a build with the plugins; see the script for why in a process of its own.
const PLUGIN_BUILD_SCRIPT = join(import.meta.dirname, 'bundle-with-plugins.ts');

/**
 * Bundles one handler with esbuild: ESM, minified, tree-shaken, Node 22 syntax, with AWS
 * credentials read from the environment as Lambda provides them and the SDK clients' error
 * classes and package manifests in their compact form (scripts/lambda-sdk-plugins.ts).
 *
 * @example
 * const bundle = bundleHandler('parameter-store-auditor', { directory: '.tmp/bundles' });
 * console.log(bundle.file, bundle.bytes); // .tmp/bundles/parameter-store-auditor/index.mjs
 */
export function bundleHandler(name: FunctionName, options: FunctionBundleOptions = {}): FunctionBundle {
  const root = packageRoot();
  const directory = join(bundleDirectory(options), name);
  // A stale file left beside index.mjs would end up in the archive and in its hash.
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const build: BuildOptions = {
    entryPoints: [join(root, 'handlers', `${name}.ts`)],
    outfile: join(directory, BUNDLE_FILE),
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: BUNDLE_TARGET,
    minify: true,
    treeShaking: true,
    // Prefer each package's ESM build: it tree-shakes where the CommonJS build cannot.
    mainFields: ['module', 'main'],
    alias: LAMBDA_SDK_ALIASES,
    banner: { js: REQUIRE_SHIM },
    legalComments: 'none',
    sourcemap: false,
    charset: 'utf8',
    logLevel: 'silent',
  };
  buildWithPlugins(build, root);
  return functionBundle(name, options);
}

/**
 * Runs {@link PLUGIN_BUILD_SCRIPT} in a child Node.js with this process's TypeScript loader,
 * waiting for it: synchronous, as `buildSync` is.
 */
function buildWithPlugins(build: BuildOptions, root: string): void {
  const child = spawnSync(process.execPath, [...loaderFlags(process.execArgv), PLUGIN_BUILD_SCRIPT], {
    cwd: root,
    input: JSON.stringify(build),
    encoding: 'utf8',
  });
  if (child.error) throw child.error;
  if (child.status !== 0) {
    throw new Error(`bundling ${String(build.entryPoints)} failed (${PLUGIN_BUILD_SCRIPT}):\n${child.stderr.trim()}`);
  }
}

// The Node.js flags that let this process load TypeScript (tsx's `--import`, mocha's
// `--import=tsx`, Node's own type stripping), and not the others (`--inspect`, `--eval`, …).
const LOADER_FLAGS = ['--import', '--require', '-r', '--loader', '--experimental-loader'];
const LOADER_SWITCHES = ['--experimental-strip-types', '--experimental-transform-types'];

function loaderFlags(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i] as string;
    const name = flag.split('=')[0] as string;
    if (LOADER_SWITCHES.includes(name)) kept.push(flag);
    else if (LOADER_FLAGS.includes(name)) kept.push(...(flag.includes('=') ? [flag] : [flag, execArgv[++i] as string]));
  }
  return kept;
}

/** Every function's bundle, where the construct and the sandbox read them by default. */
export function bundleAllHandlers(): FunctionBundle[] {
  return FUNCTION_NAMES.map((name) => bundleHandler(name));
}

if (process.argv[1] === import.meta.filename) {
  for (const bundle of bundleAllHandlers()) {
    console.log(`${(bundle.bytes / 1024).toFixed(1).padStart(7)} KiB  ${bundle.file.slice(packageRoot().length + 1)}`);
  }
}
