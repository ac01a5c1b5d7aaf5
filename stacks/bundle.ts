/**
 * Builds each handler into one minified ESM file that Lambda's Node.js runtime loads as is.
 *
 * The output depends on the source only: no timestamps, no absolute paths, nothing from the
 * machine, so an unchanged handler gives a byte-identical bundle, an unchanged asset hash and
 * no Lambda change in `terraform plan`. The sandbox may call {@link bundleHandler} too, to run
 * exactly what is deployed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import type { FunctionName } from '../shared/functions.ts';

/** The package root: `stacks/` sits directly under it. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const DEFAULT_HANDLERS_DIR = join(PROJECT_ROOT, 'handlers');
export const DEFAULT_BUNDLE_DIR = join(PROJECT_ROOT, 'dist', 'functions');

/** The file Lambda loads and the export it calls: `handler` in `index.mjs`. */
export const BUNDLE_FILE = 'index.mjs';
export const LAMBDA_HANDLER = 'index.handler';

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
  '@aws-sdk/credential-provider-node': './stacks/lambda-sdk/environment-credentials.ts',
  '@smithy/core/event-streams': './stacks/lambda-sdk/no-event-streams.ts',
  '@aws-sdk/endpoint-cache': './stacks/lambda-sdk/no-endpoint-cache.ts',
};

export interface BundleOptions {
  /** Folder holding `<function-name>.ts`. */
  readonly handlersDir?: string;
  /** Folder to write `<function-name>/index.mjs` into. */
  readonly outDir?: string;
  /**
   * Leave the AWS SDK out and use the copy the Lambda runtime ships: bundles shrink from about
   * 300 KB to about 40 KB, but run whatever SDK version the runtime has, only where
   * `@aws-sdk/*` can be resolved from their folder, and import more slowly (the SDK's
   * hundreds of files load one by one; bench/RESULTS.md has the figures).
   */
  readonly externalAwsSdk?: boolean;
}

export interface FunctionBundle {
  readonly name: FunctionName;
  /** Folder holding only `index.mjs`: what the Lambda archive contains. */
  readonly directory: string;
  readonly file: string;
  readonly bytes: number;
  /** Hex SHA-256 of the bundle. */
  readonly sha256: string;
}

/** A handler file that is not there: names the function and the path looked at. */
export class MissingHandlerError extends Error {
  constructor(
    readonly functionName: FunctionName,
    readonly entry: string,
  ) {
    super(
      `no handler for function "${functionName}": expected ${entry} exporting \`handler\``,
    );
    this.name = 'MissingHandlerError';
  }
}

// One synth may host several stacks (one per region); each handler is built once per process.
const built = new Map<string, FunctionBundle>();

/**
 * Bundles one handler with esbuild: ESM, minified, tree-shaken, Node 20 syntax, with AWS
 * credentials read from the environment as Lambda provides them.
 *
 * @example
 * const bundle = bundleHandler('parameter-store-auditor');
 * console.log(bundle.file, bundle.bytes); // …/dist/functions/parameter-store-auditor/index.mjs
 */
export function bundleHandler(name: FunctionName, options: BundleOptions = {}): FunctionBundle {
  const handlersDir = resolve(options.handlersDir ?? DEFAULT_HANDLERS_DIR);
  const outDir = resolve(options.outDir ?? DEFAULT_BUNDLE_DIR);
  const entry = join(handlersDir, `${name}.ts`);
  const directory = join(outDir, name);
  const external = options.externalAwsSdk ? ['@aws-sdk/*', '@smithy/*'] : [];
  const key = `${entry}\u0000${directory}\u0000${external.join(',')}`;
  const cached = built.get(key);
  if (cached) return cached;
  if (!existsSync(entry)) throw new MissingHandlerError(name, entry);

  // A stale file left beside index.mjs would end up in the archive and in its hash.
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const file = join(directory, BUNDLE_FILE);
  buildSync({
    entryPoints: [entry],
    outfile: file,
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    treeShaking: true,
    // Prefer each package's ESM build: it tree-shakes where the CommonJS build cannot.
    mainFields: ['module', 'main'],
    external,
    // With the SDK external, the runtime's own copy decides what it loads.
    alias: options.externalAwsSdk ? {} : LAMBDA_SDK_ALIASES,
    banner: { js: REQUIRE_SHIM },
    legalComments: 'none',
    sourcemap: false,
    charset: 'utf8',
    logLevel: 'silent',
  });
  const content = readFileSync(file);
  const bundle: FunctionBundle = {
    name,
    directory,
    file,
    bytes: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
  };
  built.set(key, bundle);
  return bundle;
}
