/**
 * tsc rewrites `./x.ts` to `./x.js` in the JavaScript it emits but not in declarations, and a
 * consumer's compiler looks for the `.js` name beside the `.d.ts`.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RELATIVE_TS_SPECIFIER = /((?:from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]+?)\.ts(['"])/g;

/** Rewrites the relative `.ts` imports of every declaration file under `dir` to `.js`. */
export function fixDeclarationSpecifiers(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.d.ts')) continue;
    const file = join(dir, entry);
    writeFileSync(file, readFileSync(file, 'utf8').replace(RELATIVE_TS_SPECIFIER, '$1.js$2'));
  }
}
