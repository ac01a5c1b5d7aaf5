/**
 * The baseline for the cold-start benchmark: the same handler bundled by one plain esbuild
 * call with the shipped build's own options (minified, the same `mainFields` and banner) and
 * nothing else: no alias, no plugin, and one file, as esbuild bundles by default. What the
 * shipped bundle saves over it is what the build's alias and its lazily loaded chunks buy.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { FunctionName } from '../../shared/functions.ts';
import { handlerBuildOptions } from '../../scripts/bundle-handlers.ts';
import { BUNDLE_FILE } from '../../stacks/function-bundles.ts';

export interface PlainBundle {
  readonly file: string;
  readonly bytes: number;
}

export function buildPlainBundle(name: FunctionName, outDir: string): PlainBundle {
  const directory = join(outDir, name);
  mkdirSync(directory, { recursive: true });
  buildSync({ ...handlerBuildOptions(name, directory), splitting: false, metafile: false });
  const file = join(directory, BUNDLE_FILE);
  return { file, bytes: statSync(file).size };
}
