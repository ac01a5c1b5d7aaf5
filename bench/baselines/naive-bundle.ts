/**
 * The baseline for the cold-start benchmark: the same handler bundled the naive way, as a
 * first CommonJS Lambda often is: every package's CommonJS build, nothing minified, nothing
 * tree-shaken, so the whole of each AWS SDK client and its credential chain ride along.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { FunctionName } from '../../shared/functions.ts';
import { packageRoot } from '../../stacks/function-bundles.ts';

export interface NaiveBundle {
  readonly file: string;
  readonly bytes: number;
}

export function buildNaiveBundle(name: FunctionName, outDir: string): NaiveBundle {
  const file = join(outDir, name, 'index.cjs');
  buildSync({
    entryPoints: [join(packageRoot(), 'handlers', `${name}.ts`)],
    outfile: file,
    absWorkingDir: packageRoot(),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: false,
    treeShaking: false,
    logLevel: 'silent',
  });
  return { file, bytes: statSync(file).size };
}
