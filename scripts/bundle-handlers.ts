/**
 * Builds each handler into one minified ESM file that Lambda's Node.js runtime loads as is:
 * what `npm run build` ships in the package and the construct deploys.
 *
 * The output depends on the source only: no timestamps, no absolute paths, nothing from the
 * machine, so building twice gives byte-identical bundles, the same asset hashes and no Lambda
 * change in `terraform plan`.
 *
 *   npm run build:functions              # into dist/functions, one summary line
 *   npm run build:functions -- --list    # and each bundle's size
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildSync, type BuildOptions, type Metafile } from 'esbuild';
import { FUNCTION_NAMES, type FunctionName } from '../shared/functions.ts';
import { bundleDirectory, functionBundle, packageRoot, type FunctionBundle, type FunctionBundleOptions } from '../stacks/function-bundles.ts';

/** Lambda's runtime is `nodejs22.x`; the bundles may use all of its syntax. */
const BUNDLE_TARGET = 'node22';

// Some dependencies are CommonJS and call require() for Node built-ins; an ESM bundle has no
// require of its own, so one is made from import.meta.url. The alias avoids clashing with
// any name esbuild generates.
const REQUIRE_SHIM =
  "import { createRequire as __figgyCreateRequire } from 'node:module';" +
  ' const require = __figgyCreateRequire(import.meta.url);';

// The SDK's default credential chain brings the STS, SSO and sign-in clients into every
// bundle, and on Lambda only its first link, the environment, ever answers: most of what the
// bundles save. It is the workaround the SDK's own issue tracker names (aws-sdk-js-v3 #5516,
// #6087). Nothing else of the SDK is replaced: the bytes it would save at a cold start do not
// pay for a build that breaks when an SDK upgrade changes a module's shape.
export const LAMBDA_SDK_ALIASES = {
  '@aws-sdk/credential-provider-node': './handlers/lambda-sdk/environment-credentials.ts',
};

/**
 * The esbuild options of one handler's bundle without {@link LAMBDA_SDK_ALIASES}: ESM,
 * minified, tree-shaken, Node 22 syntax, `index.mjs` in `outdir`. The cold-start benchmark
 * builds its baseline from them, so the two differ in the alias alone.
 */
export function handlerBuildOptions(name: FunctionName, outdir: string): BuildOptions {
  return {
    entryPoints: [join(packageRoot(), 'handlers', `${name}.ts`)],
    outdir,
    entryNames: 'index',
    outExtension: { '.js': '.mjs' },
    // A module the code imports only when it needs it (the KMS client, the STS client, the
    // SDK's own lazy parts) goes into a chunk of its own, parsed on first use rather than at
    // every cold start. Named by content, so an unchanged build keeps its asset hash.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    absWorkingDir: packageRoot(),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: BUNDLE_TARGET,
    minify: true,
    treeShaking: true,
    // Prefer each package's ESM build: it tree-shakes where the CommonJS build cannot.
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_SHIM },
    legalComments: 'none',
    sourcemap: false,
    charset: 'utf8',
    logLevel: 'silent',
    metafile: true,
  };
}

/**
 * The files of a build that a cold start loads: the entry and what it imports statically,
 * relative to `outdir`. Chunks reached only by `import()` are loaded when first needed.
 */
export function startupFiles(metafile: Metafile, outdir: string): string[] {
  const outputs = metafile.outputs;
  const entry = Object.keys(outputs).find((path) => outputs[path]?.entryPoint !== undefined);
  const loaded = new Set<string>();
  for (let pending = entry ? [entry] : []; pending.length > 0; ) {
    const path = pending.pop() as string;
    if (loaded.has(path)) continue;
    loaded.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
    }
  }
  return [...loaded].map((path) => relative(outdir, join(packageRoot(), path))).sort();
}

/** A bundle as just built: also which of its files a cold start loads. */
export interface BuiltBundle extends FunctionBundle {
  /** Paths relative to `directory`: the entry and the chunks it imports statically. */
  readonly startupFiles: readonly string[];
}

/**
 * Bundles one handler with esbuild ({@link handlerBuildOptions}), with AWS credentials read
 * from the environment as Lambda provides them ({@link LAMBDA_SDK_ALIASES}).
 *
 * @example
 * const bundle = bundleHandler('parameter-store-auditor', { directory: '.tmp/bundles' });
 * console.log(bundle.file, bundle.bytes); // .tmp/bundles/parameter-store-auditor/index.mjs, all its files
 */
export function bundleHandler(name: FunctionName, options: FunctionBundleOptions = {}): BuiltBundle {
  const directory = join(bundleDirectory(options), name);
  // A stale file left beside index.mjs would end up in the archive and in its hash.
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const { metafile } = buildSync({ ...handlerBuildOptions(name, directory), alias: LAMBDA_SDK_ALIASES });
  return { ...functionBundle(name, options), startupFiles: startupFiles(metafile as Metafile, directory) };
}

/** Every function's bundle, where the construct and the sandbox read them by default. */
export function bundleAllHandlers(): FunctionBundle[] {
  return FUNCTION_NAMES.map((name) => bundleHandler(name));
}

if (process.argv[1] === import.meta.filename) {
  const bundles = bundleAllHandlers();
  const kib = (bytes: number) => (bytes / 1024).toFixed(0);
  const sizes = bundles.map((bundle) => bundle.bytes);
  // npm start and npm run plan build first: one line says it happened, --list says the rest.
  console.log(
    `built ${bundles.length} function bundles into dist/functions: ${kib(sizes.reduce((sum, size) => sum + size, 0))} KiB ` +
      `(${kib(Math.min(...sizes))}-${kib(Math.max(...sizes))} KiB each)`,
  );
  if (process.argv.includes('--list')) {
    for (const bundle of bundles) console.log(`${(bundle.bytes / 1024).toFixed(1).padStart(7)} KiB  ${bundle.file.slice(packageRoot().length + 1)}`);
  }
}
