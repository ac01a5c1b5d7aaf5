/**
 * The packages' real tarballs, each made once per test run by `npm pack` in its folder and
 * shared by every package test that installs it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

/** What `npm pack --json` says of a tarball, and where it is. */
export interface Packed {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
  readonly files: readonly PackedFile[];
  /** The tarball's absolute path. */
  readonly tarball: string;
}

const TARBALLS = mkdtempSync(join(tmpdir(), 'figgy-tarballs-'));
process.on('exit', () => rmSync(TARBALLS, { recursive: true, force: true }));

const packed = new Map<string, Packed>();

/**
 * `npm pack` of the package in `folder`, made once and reported. Both packages' `prepack` is
 * the repository's one build, which builds both: the first pack of a run builds, later ones
 * pack what it built.
 */
export function pack(folder: string): Packed {
  const known = packed.get(folder);
  if (known) return known;
  const args = ['pack', '--json', '--pack-destination', TARBALLS, ...(packed.size > 0 ? ['--ignore-scripts'] : [])];
  const output = execFileSync(NPM, args, { cwd: folder, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const [report] = JSON.parse(output.slice(output.indexOf('['))) as Omit<Packed, 'tarball'>[];
  const result = { ...report!, tarball: join(TARBALLS, report!.filename) };
  console.log(
    `      tarball ${result.filename}: ${(result.size / 1024).toFixed(0)} KiB packed, ` +
      `${(result.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${result.entryCount} files`,
  );
  packed.set(folder, result);
  return result;
}
