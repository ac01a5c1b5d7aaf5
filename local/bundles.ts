/**
 * The function bundles the sandbox runs: built by the construct's own bundler, so the sandbox
 * exercises byte for byte what `cdktf deploy` ships.
 */
import { FUNCTION_NAMES, type FunctionName } from '../shared/functions.ts';
import { join } from 'node:path';
import { PROJECT_ROOT, bundleHandler } from '../stacks/bundle.ts';

/** Apart from dist/functions, so running the sandbox never rewrites what synth archives. */
const SANDBOX_BUNDLE_DIR = join(PROJECT_ROOT, 'dist', 'sandbox');

/** Builds (or reuses, within this process) every function bundle; returns each bundle file. */
export function buildSandboxBundles(outDir = SANDBOX_BUNDLE_DIR): Record<FunctionName, string> {
  const files = {} as Record<FunctionName, string>;
  for (const name of FUNCTION_NAMES) files[name] = bundleHandler(name, { outDir }).file;
  return files;
}
