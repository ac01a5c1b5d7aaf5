/**
 * esbuild plugins that shrink what each AWS SDK client brings into the function bundles,
 * without changing what the client does. scripts/bundle-handlers.ts runs them for every
 * bundle.
 *
 * - {@link clientVersionOnly}: a client imports its whole package.json (about 2 KB each) to
 *   read one field, `version`, for the User-Agent header; the bundle gets `{ version }`.
 * - {@link compactClientErrors}: a client's `models/errors.js` spells out one class per
 *   exception of its service (SSM has 140: 40 KB minified). Its schemas register every one of
 *   them for the error deserializer, so none is tree-shaken. The bundle gets the same classes,
 *   same export names, same `name`, `$fault`, `$retryable`, members and `shapeId`, made by one
 *   factory function, one line each.
 * - {@link lambdaStandIns}: modules a Lambda function never runs, imported by relative paths
 *   an alias cannot reach, replaced by the stand-ins in handlers/lambda-sdk/ (read each for why).
 *
 * The first two read the installed SDK at build time and refuse, naming the file, any source
 * not in the shape they were written for, so an SDK upgrade that changes it fails the build
 * instead of changing a bundle's behaviour.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import type { Plugin } from 'esbuild';

const SEP = String.raw`[\\/]`;
const CLIENT_DIST = String.raw`${SEP}@aws-sdk${SEP}client-[^\\/]+${SEP}dist-es${SEP}`;
const RUNTIME_CONFIG = new RegExp(String.raw`${CLIENT_DIST}runtimeConfig(\.[a-z]+)?\.js$`);
const ERRORS_MODULE = new RegExp(String.raw`${CLIENT_DIST}models${SEP}errors\.js$`);
const VERSION_NAMESPACE = 'aws-sdk-client-version';

/**
 * Gives each `@aws-sdk/client-*` runtime config `{ version }` for its `import … from
 * "../package.json"` instead of the whole manifest, after checking that `version` is all the
 * importing module reads from it.
 *
 * @example
 * await build({ entryPoints: ['handlers/x.ts'], bundle: true, plugins: [clientVersionOnly()] });
 */
export function clientVersionOnly(): Plugin {
  return {
    name: 'aws-sdk-client-version-only',
    setup(build) {
      build.onResolve({ filter: /^\.\.\/package\.json$/ }, ({ importer }) => {
        if (!RUNTIME_CONFIG.test(importer)) return undefined;
        assertReadsVersionOnly(readFileSync(importer, 'utf8'), importer);
        return { path: join(dirname(importer), '..', 'package.json'), namespace: VERSION_NAMESPACE };
      });
      build.onLoad({ filter: /./, namespace: VERSION_NAMESPACE }, ({ path }) => {
        const { version } = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown };
        if (typeof version !== 'string') throw new Error(`${path} has no "version" string`);
        return { contents: JSON.stringify({ version }), loader: 'json' };
      });
    },
  };
}

/** Throws unless every use of the module's default import of ../package.json is `.version`. */
export function assertReadsVersionOnly(source: string, file: string): void {
  const imported = /^import (\w+) from "\.\.\/package\.json";$/m.exec(source)?.[1];
  if (imported === undefined) {
    throw new Error(`${file}: expected \`import <name> from "../package.json"\`; clientVersionOnly needs updating`);
  }
  const uses = source.match(new RegExp(String.raw`(?<![\w$.])${imported}\b(\.\w+)?`, 'g')) ?? [];
  // The one bare use is the import itself; any other (a spread, a second field) needs more.
  const others = uses.filter((use) => use !== `${imported}.version`);
  if (others.length !== 1) {
    throw new Error(
      `${file} reads more than "version" from its package.json (${others.slice(1).join(', ')}); ` +
        'clientVersionOnly would drop it',
    );
  }
}

/**
 * Replaces each `@aws-sdk/client-*` `dist-es/models/errors.js` with
 * {@link compactServiceErrors} of it.
 *
 * @example
 * await build({ entryPoints: ['handlers/x.ts'], bundle: true, plugins: [compactClientErrors()] });
 */
export function compactClientErrors(): Plugin {
  return {
    name: 'aws-sdk-compact-client-errors',
    setup(build) {
      build.onLoad({ filter: ERRORS_MODULE }, ({ path }) => ({
        contents: compactServiceErrors(readFileSync(path, 'utf8'), path),
        loader: 'js',
      }));
    },
  };
}

/** One exception class of a service, as the SDK's code generator writes it. */
export interface ServiceErrorClass {
  readonly name: string;
  /** The service's namespace in the class's static `shapeId`; older clients have none. */
  readonly namespace?: string;
  readonly fault: string;
  /** The source of the `$retryable` field's initializer, when the class has one. */
  readonly retryable?: string;
  /** The modelled members the constructor copies from its options (`Message`, `Item`, …). */
  readonly members: readonly string[];
}

const IMPORT_BASE = /^import \{ (\w+) as __BaseException \} from "(\.\/\w+)";\n/;
const IDENTIFIER = String.raw`[A-Za-z_$][\w$]*`;

/**
 * Reads an SDK client's `models/errors.js`: the base exception's import and each class.
 * Every class is written back as the generator would write it and compared with the source,
 * so nothing in a class escapes the reading.
 */
export function readServiceErrors(source: string, file: string): { base: string; from: string; classes: ServiceErrorClass[] } {
  const header = IMPORT_BASE.exec(source);
  if (!header) throw new Error(`${file}: expected the base exception's import on the first line`);
  const [, base, from] = header as unknown as [string, string, string];
  const classes = source
    .slice(header[0].length)
    .split(/^(?=export class )/m)
    .map((text) => {
      const name = /^export class (\S+) extends __BaseException \{\n/.exec(text)?.[1];
      const shapeId = /^ {4}static shapeId = "([^"]+)#[^"#]+";$/m.exec(text);
      const fault = /^ {4}\$fault = "(\w+)";$/m.exec(text)?.[1];
      const retryable = /^ {4}\$retryable = (\{[^;]*\});$/m.exec(text)?.[1];
      const members = [...text.matchAll(new RegExp(String.raw`^ {4}(${IDENTIFIER});$`, 'gm'))].map((match) => match[1] as string);
      const parsed =
        name && fault
          ? { name, fault, members, ...(shapeId ? { namespace: shapeId[1] } : {}), ...(retryable ? { retryable } : {}) }
          : undefined;
      if (!parsed || generatedClassSource(parsed) !== text) {
        throw new Error(
          `${file}: ${name ? `class ${name}` : `the text "${text.slice(0, 60)}…"`} is not in the shape ` +
            'compactServiceErrors knows; update it (scripts/lambda-sdk-plugins.ts) for this SDK version',
        );
      }
      return parsed;
    });
  return { base, from, classes };
}

/** A class exactly as the SDK's code generator writes it in `models/errors.js`. */
function generatedClassSource({ name, namespace, fault, retryable, members }: ServiceErrorClass): string {
  return [
    `export class ${name} extends __BaseException {`,
    ...(namespace === undefined ? [] : [`    static shapeId = "${namespace}#${name}";`]),
    `    name = "${name}";`,
    `    $fault = "${fault}";`,
    ...(retryable === undefined ? [] : [`    $retryable = ${retryable};`]),
    ...members.map((member) => `    ${member};`),
    '    constructor(opts) {',
    '        super({',
    `            name: "${name}",`,
    `            $fault: "${fault}",`,
    '            ...opts,',
    '        });',
    `        Object.setPrototypeOf(this, ${name}.prototype);`,
    ...members.map((member) => `        this.${member} = opts.${member};`),
    '    }',
    '}',
    '',
  ].join('\n');
}

/**
 * The module that replaces an SDK client's `models/errors.js`: the same exports, each class
 * made by one factory that does what each generated class does (the base exception's
 * constructor, then `name`, `$fault`, `$retryable` and the members as own properties; the
 * class's own `name` and static `shapeId`), so the error deserializer, `instanceof` and
 * `error.name` see no difference.
 */
export function compactServiceErrors(source: string, file: string): string {
  const { base, from, classes } = readServiceErrors(source, file);
  const namespaces = new Set(classes.map((serviceError) => serviceError.namespace));
  if (namespaces.size > 1) {
    const listed = [...namespaces].map((namespace) => namespace ?? 'none').join(', ');
    throw new Error(`${file}: classes of several namespaces (${listed}); compactServiceErrors writes one`);
  }
  const [namespace] = namespaces;
  const json = (value: unknown) => JSON.stringify(value);
  return [
    `import { ${base} as __BaseException } from ${json(from)};`,
    'const serviceError = (name, members = [], $fault = "client", retryable) => {',
    '    const ServiceError = class extends __BaseException {',
    '        constructor(opts) {',
    '            super({ name, $fault, ...opts });',
    '            this.name = name;',
    '            this.$fault = $fault;',
    '            if (retryable) this.$retryable = retryable();',
    '            Object.setPrototypeOf(this, ServiceError.prototype);',
    '            for (const member of members) this[member] = opts[member];',
    '        }',
    '    };',
    '    Object.defineProperty(ServiceError, "name", { value: name });',
    ...(namespace === undefined ? [] : [`    ServiceError.shapeId = ${json(`${namespace}#`)} + name;`]),
    '    return ServiceError;',
    '};',
    ...classes.map(({ name, fault, members, retryable }) => {
      // Trailing arguments left at their defaults are left out: most classes are a name.
      const args = [json(name), json(members), json(fault), ...(retryable === undefined ? [] : [`() => (${retryable})`])];
      const defaults = ['', '[]', '"client"'];
      while (args.length > 1 && args.at(-1) === defaults[args.length - 1]) args.pop();
      return `export const ${name} = /* @__PURE__ */ serviceError(${args.join(', ')});`;
    }),
    '',
  ].join('\n');
}

/** Modules (in node_modules) that a Lambda function never runs, and the stand-in for each. */
const LAMBDA_STAND_INS: Readonly<Record<string, string>> = {
  '@smithy/core/dist-es/submodules/checksum/sha256/Sha256Js.js': 'handlers/lambda-sdk/no-sha256-js.ts',
  '@smithy/signature-v4/dist-es/HeaderFormatter.js': 'handlers/lambda-sdk/no-event-stream-headers.ts',
  '@smithy/core/dist-es/submodules/config/config-resolver/regionConfig/getInstanceMetadataRegion.js':
    'handlers/lambda-sdk/no-instance-metadata-region.ts',
};

/**
 * Loads each stand-in of {@link LAMBDA_STAND_INS} wherever its module is imported from. A
 * stand-in must export every name the module's importers use: esbuild fails the build on an
 * import it cannot match.
 *
 * @example
 * await build({ entryPoints: ['handlers/x.ts'], bundle: true, plugins: [lambdaStandIns()] });
 */
export function lambdaStandIns(): Plugin {
  const root = join(import.meta.dirname, '..');
  const standIns = Object.entries(LAMBDA_STAND_INS).map(([module, standIn]) => ({
    suffix: `${sep}node_modules${sep}${module.split('/').join(sep)}`,
    file: join(root, standIn),
  }));
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const filter = new RegExp(`(${standIns.map(({ suffix }) => escape(suffix)).join('|')})$`);
  return {
    name: 'lambda-sdk-stand-ins',
    setup(build) {
      build.onLoad({ filter }, ({ path }) => {
        const { file } = standIns.find(({ suffix }) => path.endsWith(suffix)) as { file: string };
        return { contents: readFileSync(file, 'utf8'), loader: 'ts', resolveDir: dirname(file) };
      });
    },
  };
}

/** Every plugin of the shipped build. */
export function lambdaSdkPlugins(): Plugin[] {
  return [clientVersionOnly(), compactClientErrors(), lambdaStandIns()];
}
