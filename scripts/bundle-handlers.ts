/**
 * Builds each handler into one minified ESM file that Lambda's Node.js runtime loads as is:
 * what `npm run build` ships in the package and the construct deploys.
 *
 * The output depends on the source only: no timestamps, no absolute paths, nothing from the
 * machine, so building twice gives byte-identical bundles, the same asset hashes and no Lambda
 * change in `terraform plan`.
 *
 *   npm run build:functions    # both builds into dist/functions and dist/functions-external-sdk
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
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
const REQUIRE_SHIM =
  "import { createRequire as __figgyCreateRequire } from 'node:module';" +
  ' const require = __figgyCreateRequire(import.meta.url);';

// Modules of the AWS SDK that a Lambda function of ours never runs, each replaced by a small
// one of ours (read each for why). Together about 160 KB less to upload and to parse at every
// cold start. esbuild's synchronous API takes no plugins, hence aliases to real files.
const LAMBDA_SDK_ALIASES = {
  '@aws-sdk/credential-provider-node': './handlers/lambda-sdk/environment-credentials.ts',
  '@smithy/core/event-streams': './handlers/lambda-sdk/no-event-streams.ts',
  '@aws-sdk/endpoint-cache': './handlers/lambda-sdk/no-endpoint-cache.ts',
};

/**
 * Bundles one handler with esbuild: ESM, minified, tree-shaken, Node 22 syntax, with AWS
 * credentials read from the environment as Lambda provides them.
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
  buildSync({
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
    external: options.externalAwsSdk ? ['@aws-sdk/*', '@smithy/*'] : [],
    // With the SDK external, the runtime's own copy decides what it loads.
    alias: options.externalAwsSdk ? {} : LAMBDA_SDK_ALIASES,
    banner: { js: REQUIRE_SHIM },
    legalComments: 'none',
    sourcemap: false,
    charset: 'utf8',
    logLevel: 'silent',
  });
  return functionBundle(name, options);
}

/** Both builds of every function, where the construct and the sandbox read them by default. */
export function bundleAllHandlers(): FunctionBundle[] {
  return [false, true].flatMap((externalAwsSdk) => FUNCTION_NAMES.map((name) => bundleHandler(name, { externalAwsSdk })));
}

if (process.argv[1] === import.meta.filename) {
  for (const bundle of bundleAllHandlers()) {
    console.log(`${(bundle.bytes / 1024).toFixed(1).padStart(7)} KiB  ${bundle.file.slice(packageRoot().length + 1)}`);
  }
}
