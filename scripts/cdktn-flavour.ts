/**
 * The `figgy-events-cdktn` package, for CDK Terrain: the construct compiled from this same
 * source with its one framework module, `stacks/framework.ts`, importing `cdktn` and
 * `@cdktn/provider-aws` instead of `cdktf` and `@cdktf/provider-aws`. The two frameworks have
 * the same API; a cdktf-built construct cannot run in a cdktn app because each framework only
 * recognises its own objects.
 *
 * The swap happens in the compiler's view of that one file, never on disk, and the whole
 * construct is type-checked against the cdktn bindings on the way: the build fails on a type
 * error there. Everything else the flavour ships (its `dist/`, the function bundles, licence
 * and changelog) is emitted or copied into `flavours/cdktn/`, where `npm pack` makes its
 * tarball.
 */
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { PACKAGE_NAMES } from '../stacks/function-bundles.ts';
import { fixDeclarationSpecifiers } from './declaration-specifiers.ts';

/** The flavour's folder, relative to the repository, and its package's name. */
export const CDKTN_FLAVOUR_FOLDER = join('flavours', 'cdktn');
const CDKTN_PACKAGE = 'figgy-events-cdktn';

/** Each framework package the construct imports, and its CDK Terrain counterpart. */
const CDKTN_MODULES: Readonly<Record<string, string>> = {
  cdktf: 'cdktn',
  '@cdktf/provider-aws': '@cdktn/provider-aws',
};

/**
 * The modules compiled into the flavour: the construct's public entry and the stack the
 * repository's own app deploys, which the tests synthesize with both frameworks to compare
 * them. The stack is left out of the tarball, as it is from `figgy-events`'s.
 */
const ENTRY_POINTS = ['stacks/index.ts', 'stacks/stack.ts'];

const FRAMEWORK_MODULE = 'stacks/framework.ts';

/** A framework module that imports something the flavour has no counterpart for. */
export class FlavourBuildError extends Error {
  constructor(message: string) {
    super(`cdktn flavour: ${message}`);
    this.name = 'FlavourBuildError';
  }
}

/** The framework packages and the package's own name, as a cdktn user imports them. */
const CDKTN_NAMES: Readonly<Record<string, string>> = { ...CDKTN_MODULES, 'figgy-events': CDKTN_PACKAGE };

/**
 * `text` with each `from '<module>[/subpath]'` naming a module of `names` renamed; every other
 * import is left alone unless `onOther` refuses it.
 */
function renameImports(text: string, names: Readonly<Record<string, string>>, onOther: (specifier: string) => void = () => {}): string {
  return text.replace(/(\bfrom\s+(['"]))(.+?)(\2)/g, (whole, before: string, _quote: string, specifier: string, after: string) => {
    const name = Object.keys(names).find((candidate) => specifier === candidate || specifier.startsWith(`${candidate}/`));
    if (name === undefined) {
      onOther(specifier);
      return whole;
    }
    return `${before}${names[name]}${specifier.slice(name.length)}${after}`;
  });
}

/**
 * The framework module's text importing the cdktn packages. Any other import would reach the
 * flavour unchanged, so it is refused rather than passed through.
 */
export function cdktnFrameworkSource(text: string): string {
  const rewritten = renameImports(text, CDKTN_MODULES, (specifier) => {
    throw new FlavourBuildError(`${FRAMEWORK_MODULE} imports "${specifier}", which is not a framework package (${Object.keys(CDKTN_MODULES).join(', ')})`);
  });
  if (rewritten === text) throw new FlavourBuildError(`${FRAMEWORK_MODULE} imports no framework package`);
  return rewritten;
}

/**
 * The `@example`s of the emitted code and declarations import `cdktf` and `figgy-events`, as
 * the source is written for; a cdktn user's editor shows them importing `cdktn` and this
 * package. Only comment lines are renamed: an import in code is the compiler's business.
 */
function renameExampleImports(dist: string): void {
  for (const entry of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    if (!/\.(js|d\.ts)$/.test(entry)) continue;
    const file = join(dist, entry);
    const text = readFileSync(file, 'utf8');
    const renamed = text.replace(/^\s*(\*|\/\*|\/\/).*$/gm, (line) => renameImports(line, CDKTN_NAMES));
    if (renamed !== text) writeFileSync(file, renamed);
  }
}

/**
 * The source maps name their sources relative to where they were emitted, which for the
 * flavour is two folders deeper than for `figgy-events`; installed, those paths would lead out
 * of the package into the app. Each is named as `figgy-events`'s maps name it.
 */
function rebaseSourceMaps(dist: string, root: string, folder: string): void {
  for (const entry of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.map')) continue;
    const file = join(dist, entry);
    const map = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[] };
    const at = dirname(file);
    map.sources = map.sources.map((source) => relative(at, join(folder, relative(root, resolve(at, source)))).split(sep).join('/'));
    writeFileSync(file, JSON.stringify(map));
  }
}

/**
 * The repository's own modules in the program that still import a cdktf package: any but the
 * framework module would be type-checked against cdktf, and the framework module, as the
 * program reads it, only if its rename missed an import.
 */
function cdktfImporters(program: ts.Program, root: string): string[] {
  return program
    .getSourceFiles()
    .filter((file) => !file.fileName.includes('/node_modules/'))
    .filter((file) => ts.preProcessFile(file.text, true, true).importedFiles.some(({ fileName }) => /^(cdktf|@cdktf\/)/.test(fileName)))
    .map((file) => relative(root, file.fileName));
}

interface Manifest {
  readonly name?: string;
  readonly version?: string;
  readonly license?: string;
}

function manifest(folder: string): Manifest {
  return JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as Manifest;
}

/** The flavour is published beside `figgy-events`, at its version and under its licence. */
function checkManifest(root: string, folder: string): void {
  const main = manifest(root);
  const flavour = manifest(folder);
  if (flavour.name !== CDKTN_PACKAGE || !PACKAGE_NAMES.includes(CDKTN_PACKAGE)) {
    throw new FlavourBuildError(`${relative(root, folder)}/package.json must be named "${CDKTN_PACKAGE}", one of PACKAGE_NAMES in stacks/function-bundles.ts`);
  }
  for (const field of ['version', 'license'] as const) {
    if (flavour[field] !== main[field]) {
      throw new FlavourBuildError(`${relative(root, folder)}/package.json has ${field} "${flavour[field]}" but figgy-events has "${main[field]}": give both the same`);
    }
  }
}

function diagnosticsText(diagnostics: readonly ts.Diagnostic[], root: string): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  });
}

/**
 * Builds `flavours/cdktn/dist/` from the repository at `root`, copying the function bundles
 * already built in `functions`; returns the flavour's folder relative to `root`.
 */
export function buildCdktnFlavour(root: string, functions: string): string {
  const folder = join(root, CDKTN_FLAVOUR_FOLDER);
  const dist = join(folder, 'dist');
  rmSync(dist, { recursive: true, force: true });
  checkManifest(root, folder);

  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.build.json'), { outDir: dist, rootDir: root }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new FlavourBuildError(diagnosticsText([diagnostic], root));
    },
  });
  if (config === undefined) throw new FlavourBuildError('cannot read tsconfig.build.json');

  const frameworkPath = resolve(root, FRAMEWORK_MODULE);
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => {
    const text = readFile(fileName);
    return text !== undefined && resolve(fileName) === frameworkPath ? cdktnFrameworkSource(text) : text;
  };

  const program = ts.createProgram({
    rootNames: ENTRY_POINTS.map((entry) => join(root, entry)),
    options: config.options,
    host,
  });
  const importers = cdktfImporters(program, root);
  if (importers.length > 0) {
    throw new FlavourBuildError(`${importers.join(', ')} import cdktf: only ${FRAMEWORK_MODULE} may, and in its \`from '<module>'\` form, which the flavour renames`);
  }
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) {
    throw new FlavourBuildError(`the construct does not compile against cdktn:\n${diagnosticsText(diagnostics, root)}`);
  }
  // A half-written dist/ must not be left for `npm pack` to find.
  try {
    const emitted = program.emit();
    if (emitted.diagnostics.length > 0) throw new FlavourBuildError(`cannot emit the flavour:\n${diagnosticsText(emitted.diagnostics, root)}`);
    fixDeclarationSpecifiers(dist);
    renameExampleImports(dist);
    rebaseSourceMaps(dist, root, folder);
    cpSync(functions, join(dist, 'functions'), { recursive: true });
    for (const file of ['LICENSE', 'CHANGELOG.md']) cpSync(join(root, file), join(folder, file));
  } catch (error) {
    rmSync(dist, { recursive: true, force: true });
    throw error;
  }
  return relative(root, folder);
}
