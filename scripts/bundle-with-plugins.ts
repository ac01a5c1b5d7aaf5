/**
 * Runs one esbuild build with the plugins of scripts/lambda-sdk-plugins.ts, in a process of
 * its own: esbuild takes plugins only in its asynchronous API, and `bundleHandler` stays
 * synchronous for its callers. Reads the build options as JSON on stdin, writes the outfile,
 * reports esbuild's errors on stderr and exits non-zero on failure.
 *
 *   echo '{"entryPoints":["handlers/x.ts"],"outfile":"…","bundle":true}' | tsx scripts/bundle-with-plugins.ts
 */
import { readFileSync } from 'node:fs';
import { build, type BuildOptions } from 'esbuild';
import { lambdaSdkPlugins } from './lambda-sdk-plugins.ts';

const options = JSON.parse(readFileSync(0, 'utf8')) as BuildOptions;
try {
  await build({ ...options, plugins: lambdaSdkPlugins() });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
