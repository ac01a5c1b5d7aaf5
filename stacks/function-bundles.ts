/**
 * The function bundles the package ships: built once, when the package is built, and only
 * read at synth. A consumer's synth needs neither esbuild nor a TypeScript loader, and writes
 * nothing but its own `cdktf.out`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionName } from '../shared/functions.ts';
import { FiggyEventsError, SetupError } from '../shared/errors.ts';

/** The file Lambda loads and the export it calls: `handler` in `index.mjs`. */
export const BUNDLE_FILE = 'index.mjs';
export const LAMBDA_HANDLER = 'index.handler';

/**
 * Where to find the bundles to deploy. The shipped ones carry the AWS SDK they were tested
 * with: it imports 4–5× faster than the Lambda runtime's copy, which is not a documented part
 * of the runtime beyond its clients.
 */
export interface FunctionBundleOptions {
  /**
   * A folder holding `<function-name>/index.mjs` for each function, to deploy bundles built
   * outside this package (a patched handler, say).
   * @defaultValue the bundles shipped in this package
   */
  readonly directory?: string;
}

/** One function's bundle: what its Lambda archive holds. */
export interface FunctionBundle {
  readonly name: FunctionName;
  /** Folder holding `index.mjs` and the chunks it loads: what the Lambda archive contains. */
  readonly directory: string;
  /** `index.mjs`, the module Lambda loads. */
  readonly file: string;
  /** Every file of the bundle, relative to `directory`, sorted. */
  readonly files: readonly string[];
  /** Bytes of all its files. */
  readonly bytes: number;
  /**
   * Hex SHA-256 over every file's path and content, in path order: the asset hash, so an
   * unchanged bundle plans no change.
   */
  readonly sha256: string;
}

/** A bundle that is not where it should be: names the function, the path and the fix. */
export class MissingBundleError extends FiggyEventsError {
  readonly retryable = false;
  constructor(
    readonly functionName: FunctionName,
    readonly file: string,
  ) {
    super(
      `no bundle for function "${functionName}" at ${file}: ` +
        'an installed package ships them; in a checkout of figgy-events run `npm run build:functions`',
    );
    this.name = 'MissingBundleError';
  }
}

/**
 * The packages built from this source: `figgy-events` for cdktf and its CDK Terrain flavour.
 * Each ships this file in `dist/stacks/` beside its own `dist/functions`.
 */
export const PACKAGE_NAMES: readonly string[] = ['figgy-events', 'figgy-events-cdktn'];

/** The folder of the package this code runs from: this file sits in `stacks/` or `dist/stacks/` under it. */
export function packageRoot(): string {
  for (let folder = dirname(fileURLToPath(import.meta.url)); ; folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && PACKAGE_NAMES.includes((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name ?? '')) {
      return folder;
    }
    if (dirname(folder) === folder) throw new SetupError('figgy-events: cannot find the package folder above its own code');
  }
}

/** Where the bundles live: `options.directory`, else the shipped `dist/functions`. */
export function bundleDirectory(options: FunctionBundleOptions = {}): string {
  if (options.directory !== undefined) return resolve(options.directory);
  return join(packageRoot(), 'dist', 'functions');
}

/**
 * One function's bundle, read (never built) from {@link bundleDirectory}.
 *
 * @example
 * ```ts
 * const bundle = functionBundle('parameter-store-auditor');
 * console.log(bundle.file, bundle.bytes); // …/dist/functions/parameter-store-auditor/index.mjs
 * ```
 */
export function functionBundle(name: FunctionName, options: FunctionBundleOptions = {}): FunctionBundle {
  const directory = join(bundleDirectory(options), name);
  const file = join(directory, BUNDLE_FILE);
  if (!existsSync(file)) throw new MissingBundleError(name, file);
  // Named with `/` on every system, as a zip names them: the hash is the same on Windows.
  const files = readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(directory, path)).isFile())
    .map((path) => path.split(sep).join('/'))
    .sort();
  const contents = files.map((path) => ({ path, content: readFileSync(join(directory, path)) }));
  const bytes = contents.reduce((sum, { content }) => sum + content.length, 0);
  return { name, directory, file, files, bytes, sha256: bundleHash(contents) };
}

/**
 * The hash of a bundle's files: each path, then its content, in path order. A test can
 * compute it again from a Lambda archive's entries.
 */
export function bundleHash(files: readonly { readonly path: string; readonly content: Uint8Array }[]): string {
  const hash = createHash('sha256');
  for (const { path, content } of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    hash.update(`${path}\u0000`);
    hash.update(content);
    hash.update('\u0000');
  }
  return hash.digest('hex');
}
