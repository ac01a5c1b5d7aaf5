import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { FUNCTION_NAMES } from '../../shared/functions.ts';
import { bundleHandler } from '../../scripts/bundle-handlers.ts';
import { functionBundle } from '../../stacks/function-bundles.ts';
import {
  scratchDir,
  synthesize,
  synthesized,
  writtenJson,
  type TerraformJson,
} from './support/synthesized.ts';

const SNAPSHOT = join(
  dirname(fileURLToPath(import.meta.url)),
  '../fixtures/infra/figgy-events-eu-west-1.json',
);

/**
 * The reviewed snapshot of the last release before the audit syncer: a deployment of it
 * upgraded to this one must keep every resource as it is.
 */
const PREVIOUS_RELEASE = join(
  dirname(fileURLToPath(import.meta.url)),
  '../fixtures/infra/figgy-events-eu-west-1.before-audit-syncer.json',
);

type Blocks = Record<string, Record<string, unknown>>;

/**
 * What may differ without the infrastructure differing: bundle hashes (they follow the
 * handlers' code, which has its own tests) and the local state path (it follows the synth
 * folder, a temporary one in tests).
 */
function normalise(json: TerraformJson): unknown {
  const text = JSON.stringify(json, null, 2)
    .replace(/[0-9a-f]{64}/g, '<bundle-sha256>')
    .replace(/"path": "[^"]*terraform\.([^"]+)\.tfstate"/, '"path": "<project>/terraform.$1.tfstate"');
  return JSON.parse(text);
}

describe('synthesized stack', () => {
  it('matches the reviewed snapshot (UPDATE_SNAPSHOTS=1 rewrites it)', () => {
    const actual = normalise(synthesized().json);
    if (process.env.UPDATE_SNAPSHOTS === '1') {
      mkdirSync(dirname(SNAPSHOT), { recursive: true });
      writeFileSync(SNAPSHOT, `${JSON.stringify(actual, null, 2)}\n`);
    }
    if (!existsSync(SNAPSHOT)) {
      expect.fail(`no snapshot at ${SNAPSHOT}; review the synth and run UPDATE_SNAPSHOTS=1 npm run test:infra`);
    }
    const expected = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as unknown;
    expect(actual, 'synthesized JSON changed: review the diff, then UPDATE_SNAPSHOTS=1 npm run test:infra').to.deep.equal(expected);
  });

  it('upgrades the last release by adding resources and updating some in place: every resource it had is kept, under the same logical id', () => {
    const previous = JSON.parse(readFileSync(PREVIOUS_RELEASE, 'utf8')) as { resource: Blocks };
    const current = normalise(synthesized().json) as { resource: Blocks };
    const added: string[] = [];
    for (const [type, resources] of Object.entries(previous.resource)) {
      for (const [id, config] of Object.entries(resources)) {
        // Terraform destroys what disappears, and replaces what changes a force-new argument:
        // only the arguments the provider updates in place may change (a bundle's code aside,
        // normalised).
        const now = current.resource[type]?.[id];
        expect(now, `${type}.${id} is kept`).to.not.equal(undefined);
        const inPlace = IN_PLACE_ARGUMENTS[type] ?? [];
        const fixed = (block: object) => Object.fromEntries(Object.entries(block).filter(([argument]) => !inPlace.includes(argument)));
        expect(fixed(now as object), `${type}.${id}: only ${inPlace.join(', ') || 'nothing'} may change`).to.deep.equal(fixed(config as object));
      }
    }
    for (const [type, resources] of Object.entries(current.resource)) {
      for (const id of Object.keys(resources)) if (previous.resource[type]?.[id] === undefined) added.push(`${type}.${id}`);
    }
    // What this release adds: the audit syncer's resources, and the dashboard and alarms.
    const isNew = (address: string) => address.includes('audit_syncer') || address.startsWith('aws_cloudwatch_dashboard.') || address.startsWith('aws_cloudwatch_metric_alarm.');
    expect(added.length).to.be.greaterThan(0);
    expect(added.filter((address) => !isNew(address)), 'added beyond this release').to.deep.equal([]);
  });

  it('is identical when synthesized twice, asset hashes and paths included', function () {
    this.timeout(60_000);
    const first = synthesized();
    const second = synthesize();
    expect(second.text).to.equal(first.text);
    const withoutBackend = (json: TerraformJson) => ({ ...json, terraform: { ...json.terraform, backend: null } });
    expect(withoutBackend(writtenJson(second))).to.deep.equal(withoutBackend(writtenJson(first)));
  });
});

/**
 * Arguments the AWS provider changes without replacing the resource (its documentation marks
 * none of them "forces new resource"): a role's policy, a function's environment.
 */
const IN_PLACE_ARGUMENTS: Readonly<Record<string, readonly string[]>> = {
  aws_iam_role_policy: ['policy'],
  aws_lambda_function: ['environment'],
};

describe('function bundles', () => {
  for (const name of FUNCTION_NAMES) {
    it(`${name}: the shipped bundle is an ESM module exporting handler, byte-identical when rebuilt elsewhere`, async function () {
      this.timeout(30_000);
      const bundle = functionBundle(name);
      const rebuilt = bundleHandler(name, { directory: scratchDir('rebuild') });
      expect(rebuilt.sha256).to.equal(bundle.sha256);
      // .mjs loads only as ESM; importing it from outside the project also proves it needs
      // nothing from node_modules at run time.
      const module = (await import(pathToFileURL(rebuilt.file).href)) as { handler?: unknown };
      expect(module.handler).to.be.a('function');
      for (const file of bundle.files) {
        expect(readFileSync(join(bundle.directory, file), 'utf8'), `${file}: no path of this machine`).not.to.include(process.cwd());
      }
      // Not the budget (≤ 110 KiB gzipped loaded at a cold start, which
      // bench/cold-start.bench.ts checks), a tripwire: a bundle that lost its credentials alias
      // (133–153 KiB) or loads another client at start has something it should not have.
      const startup = rebuilt.startupFiles.reduce((sum, file) => sum + gzipSync(readFileSync(join(rebuilt.directory, file))).length, 0);
      expect(startup, 'gzipped bytes loaded at a cold start').to.be.below(120 * 1024);
      // The KMS and STS clients (named by their wire protocols' service names) load on first
      // use: most invocations never compare keys or assume a role.
      const code = (files: readonly string[]) => files.map((file) => readFileSync(join(rebuilt.directory, file), 'utf8')).join('\n');
      const lazy = rebuilt.files.filter((file) => !rebuilt.startupFiles.includes(file));
      for (const client of ['TrentService', 'AWSSecurityTokenServiceV20110615']) {
        expect(code(rebuilt.startupFiles), `${client} loaded at a cold start`).not.to.include(client);
        if (name.includes('replicat')) expect(code(lazy), `${client} in a chunk loaded on first use`).to.include(client);
      }
    });
  }
});
