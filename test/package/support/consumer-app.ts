/**
 * What the package tests do in a consumer's app: install the versions the repository tests
 * with, run plain Node there, notice writes to an installed package, and read the function
 * archives a synth wrote.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleHash, packageRoot } from '../../../stacks/function-bundles.ts';
import { NPM } from './tarballs.ts';

/** What the repository has installed of a package: the consumer gets the same version. */
export function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** A fresh app folder whose package.json names these dependencies, as a platform team's would. */
export function createApp(app: string, dependencies: Record<string, string>, devDependencies: Record<string, string> = {}): void {
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'platform-parameters', private: true, type: 'module', dependencies, devDependencies }));
}

/**
 * `npm install` in the app, with `flags`, then the build tools taken out: a consumer's synth
 * must not need them, even if something else brought them.
 */
export function install(app: string, flags: readonly string[] = []): void {
  execFileSync(NPM, ['install', ...flags, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'inherit' });
  for (const tool of ['esbuild', 'tsx', '@esbuild']) rmSync(join(app, 'node_modules', tool), { recursive: true, force: true });
}

/** Removes the folder of a test app, the installed package in it made writable again first. */
export function removeApp(work: string, installed: string): void {
  if (existsSync(installed)) chmodSync(installed, 0o755);
  rmSync(work, { recursive: true, force: true });
}

/**
 * The packages in the app's lock file under an AGPL licence: @cloud-copilot/iam-simulate, which
 * the tests check our IAM against, must stay a devDependency of the repository.
 */
export function agplPackages(app: string): string[] {
  const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { license?: string }> };
  return Object.entries(lock.packages)
    .filter(([, entry]) => /AGPL/i.test(entry.license ?? ''))
    .map(([path]) => path);
}

/** Runs Node (the one running these tests) on a script of the consumer app. */
export function node(app: string, args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 });
}

/** Every file under `dir` with its size and modification time: what a write would change. */
export function treeState(dir: string): string {
  const hash = createHash('sha256');
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const stats = statSync(join(dir, entry));
    hash.update(`${entry}\u0000${stats.size}\u0000${stats.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** Prints a zip archive's files as JSON, `[{ path, content (base64) }]`: run by python3. */
const ARCHIVE_FILES = [
  'import base64, json, sys, zipfile',
  'z = zipfile.ZipFile(sys.argv[1])',
  'print(json.dumps([{"path": i.filename, "content": base64.b64encode(z.read(i)).decode()} for i in z.infolist() if not i.is_dir()]))',
].join('\n');

/** One Lambda archive of a synth: its file names and the bundle hash of its files. */
export interface ArchivedBundle {
  readonly archive: string;
  readonly files: readonly string[];
  readonly sha256: string;
}

/** Every function archive under a synthesized stack's `assets`. */
export function archivedBundles(stackDir: string): ArchivedBundle[] {
  const archives = readdirSync(join(stackDir, 'assets'), { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.zip'));
  return archives.map((archive) => {
    const listing = execFileSync('python3', ['-c', ARCHIVE_FILES, join(stackDir, 'assets', archive)], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    const files = JSON.parse(listing.toString('utf8')) as { path: string; content: string }[];
    return {
      archive,
      files: files.map((file) => file.path),
      sha256: bundleHash(files.map(({ path, content }) => ({ path, content: Buffer.from(content, 'base64') }))),
    };
  });
}

/**
 * The fenced code of every `@example` in the shipped declarations that is written for a
 * consumer (it imports from the package), one entry per block.
 */
export function consumerExamples(dist: string): { readonly name: string; readonly code: string }[] {
  const examples: { name: string; code: string }[] = [];
  for (const entry of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.d.ts')) continue;
    const text = readFileSync(join(dist, entry), 'utf8');
    for (const [index, match] of [...text.matchAll(/@example\s*\n((?:\s*\*.*\n)*?)\s*\*\s*```ts\n((?:\s*\*.*\n)*?)\s*\*\s*```/g)].entries()) {
      const code = (match[2] as string)
        .split('\n')
        .map((line) => line.replace(/^\s*\* ?/, ''))
        .join('\n');
      if (code.includes("from 'figgy-events")) {
        examples.push({ name: `${entry.replaceAll(/[/.]/g, '-')}-${index}`, code: `${code}\nexport {};\n` });
      }
    }
  }
  return examples;
}
