/**
 * The CDK Terrain flavour (`flavours/cdktn`, built by `npm run build`): the same construct as
 * `figgy-events`, compiled against cdktn and @cdktn/provider-aws, must write the same
 * Terraform, apart from what names the framework and pins the provider.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { Testing } from 'cdktn';
import { offlinePlan, terraformVersion, type OfflinePlanResult } from '../../bin/offline-plan.ts';
import { FUNCTION_NAMES } from '../../shared/functions.ts';
import { functionBundle, packageRoot } from '../../stacks/function-bundles.ts';
import { CDKTN_FLAVOUR_FOLDER } from '../../scripts/cdktn-flavour.ts';
import type * as StackModule from '../../stacks/stack.ts';
import { scratchDir, STACK_ID, synthesized, TEST_PROPS, writtenJson, type TerraformJson } from './support/synthesized.ts';

const ROOT = packageRoot();
const FLAVOUR_DIST = join(ROOT, CDKTN_FLAVOUR_FOLDER, 'dist');

/** The only release of hashicorp/aws the offline provider mirror holds. */
const MIRRORED_AWS_PROVIDER = '5.100.0';

/** The stack folder the flavour's `FiggyEventsStack` synthesizes, the JSON of Testing.synth and the written cdk.tf.json. */
interface FlavourSynth {
  readonly json: TerraformJson;
  readonly written: TerraformJson;
  readonly stackDir: string;
}

async function synthesizeFlavour(): Promise<FlavourSynth> {
  const stackModule = join(FLAVOUR_DIST, 'stacks', 'stack.js');
  if (!existsSync(stackModule)) expect.fail(`no cdktn flavour at ${FLAVOUR_DIST}: run npm run build first`);
  for (const name of FUNCTION_NAMES) {
    const stale = functionBundle(name, { directory: join(FLAVOUR_DIST, 'functions') }).sha256 !== functionBundle(name).sha256;
    if (stale) expect.fail(`the cdktn flavour's ${name} bundle differs from dist/functions (npm run build:functions refreshes only that): run npm run build`);
  }
  // The repository's own stack, compiled against cdktn: its types are the cdktf flavour's in name only.
  const { FiggyEventsStack } = (await import(pathToFileURL(stackModule).href)) as typeof StackModule;
  const stack = new FiggyEventsStack(Testing.app({ outdir: scratchDir('cdktn-app') }), STACK_ID, TEST_PROPS);
  const json = JSON.parse(Testing.synth(stack as never)) as TerraformJson;
  const stackDir = join(Testing.fullSynth(stack as never), 'stacks', STACK_ID);
  const written = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as TerraformJson;
  return { json, written, stackDir };
}

/**
 * What is left to compare once the aws provider's requirement and the framework's metadata
 * (`//` keys) are taken out, and the local state path, which follows the package folder, is
 * named by its file alone.
 */
function apartFromFramework(json: TerraformJson): unknown {
  const rest = JSON.parse(JSON.stringify(json), (key: string, value: unknown) => {
    if (key === '//') return undefined;
    if (key === 'path' && typeof value === 'string' && value.endsWith('.tfstate')) return value.replace(/^.*[\\/]/, '');
    return value;
  }) as { terraform: { required_providers: Record<string, unknown> } };
  delete rest.terraform.required_providers.aws;
  return rest;
}

/** `Interface.argument` for every property of every interface a provider binding declares for one type. */
function declaredArguments(provider: string, type: string): Set<string> {
  const declarations = readFileSync(join(ROOT, 'node_modules', provider, 'lib', type, 'index.d.ts'), 'utf8');
  return new Set(
    [...declarations.matchAll(/^export interface (\w+)[^{]*\{([\s\S]*?)^\}/gm)].flatMap(([, name, body]) =>
      [...body!.matchAll(/^\s+readonly (\w+)\??:/gm)].map(([, argument]) => `${name}.${argument}`),
    ),
  );
}

function requiredAws(json: TerraformJson): unknown {
  return (json.terraform.required_providers as Record<string, unknown>).aws;
}

describe('the CDK Terrain flavour (figgy-events-cdktn)', function () {
  this.timeout(300_000);
  let flavour: FlavourSynth;

  before(async () => {
    flavour = await synthesizeFlavour();
  });

  it('synthesizes the repository stack as the cdktf flavour does, apart from the provider pin, its source spelling and the metadata', () => {
    expect(apartFromFramework(flavour.json)).to.deep.equal(apartFromFramework(synthesized().json));
    expect(apartFromFramework(flavour.written)).to.deep.equal(apartFromFramework(writtenJson(synthesized())));

    expect(requiredAws(synthesized().json)).to.deep.equal({ source: 'aws', version: MIRRORED_AWS_PROVIDER });
    expect(requiredAws(flavour.json)).to.have.property('source', 'hashicorp/aws');
    expect(requiredAws(flavour.json)).to.have.property('version').that.matches(/^6\.\d+\.\d+$/);
  });

  it('ships the cdktf flavour code, declarations and source maps, only its framework module importing cdktn instead', () => {
    const cdktfDist = join(ROOT, 'dist');
    const asCdktf = (text: string) =>
      text
        .replaceAll("'@cdktn/provider-aws", "'@cdktf/provider-aws")
        .replaceAll("from 'cdktn'", "from 'cdktf'")
        .replaceAll("from 'figgy-events-cdktn'", "from 'figgy-events'");
    const code = readdirSync(join(FLAVOUR_DIST), { recursive: true, encoding: 'utf8' }).filter(
      (path) => /\.(js|d\.ts|map)$/.test(path) && !path.startsWith('functions') && !/^stacks[\\/]stack\./.test(path),
    );
    expect(code.length).to.be.greaterThan(40);
    // The maps carry the source as written, examples importing cdktf included.
    const importingCdktf = code.filter((path) => !path.endsWith('.map') && /(\bfrom|\bimport)\s*\(?\s*["'](cdktf|@cdktf\/)/.test(readFileSync(join(FLAVOUR_DIST, path), 'utf8')));
    expect(importingCdktf, 'flavour files importing cdktf, with either quote').to.deep.equal([]);
    // A cdktn user imports this package by its own name, in the examples too.
    const importingFiggyEvents = code.filter((path) => !path.endsWith('.map') && /\bfrom\s*["']figgy-events["'/]/.test(readFileSync(join(FLAVOUR_DIST, path), 'utf8')));
    expect(importingFiggyEvents, 'flavour files importing figgy-events').to.deep.equal([]);
    for (const path of code) {
      expect(asCdktf(readFileSync(join(FLAVOUR_DIST, path), 'utf8')), path).to.equal(readFileSync(join(cdktfDist, path), 'utf8'));
    }
    const framework = readFileSync(join(FLAVOUR_DIST, 'stacks', 'framework.js'), 'utf8');
    const imported = [...framework.matchAll(/^export .* from '([^']+)';$/gm)].map((match) => match[1]!);
    expect(imported.length).to.be.greaterThan(20);
    expect(imported.filter((name) => name !== 'cdktn' && !name.startsWith('@cdktn/provider-aws/lib/'))).to.deep.equal([]);
  });

  it('binds every argument of each resource and data source the construct writes, as @cdktf/provider-aws does: 6.x only adds', () => {
    const framework = readFileSync(join(ROOT, 'stacks', 'framework.ts'), 'utf8');
    const types = [...framework.matchAll(/@cdktf\/provider-aws\/lib\/([^/]+)\/index\.js/g)].map((match) => match[1]!).filter((type) => type !== 'provider');
    expect(types.length).to.be.greaterThan(20);
    expect([...declaredArguments('@cdktf/provider-aws', 'lambda-function')]).to.include.members(['LambdaFunctionConfig.runtime', 'LambdaFunctionEnvironment.variables']);
    const lost = types.flatMap((type) => {
      const cdktn = declaredArguments('@cdktn/provider-aws', type);
      return [...declaredArguments('@cdktf/provider-aws', type)].filter((argument) => !cdktn.has(argument)).map((argument) => `${type}: ${argument}`);
    });
    expect(lost).to.deep.equal([]);
  });

  describe(`terraform validate and an offline plan, hashicorp/aws pinned to ${MIRRORED_AWS_PROVIDER}`, () => {
    let plan: OfflinePlanResult;

    before(() => {
      terraformVersion();
      plan = offlinePlan(flavour.stackDir, scratchDir('cdktn-plan'), { awsProviderVersion: MIRRORED_AWS_PROVIDER });
    });

    it('validates without errors or warnings', () => {
      expect(plan.validate.valid).to.equal(true);
      expect(plan.validate.diagnostics).to.deep.equal([]);
    });

    it('plans to create every resource of the synth, and nothing else', () => {
      const addresses = Object.entries(flavour.written.resource).flatMap(([type, blocks]) => Object.keys(blocks).map((id) => `${type}.${id}`));
      expect(plan.summary.changes.map((change) => change.address).sort()).to.deep.equal(addresses.sort());
      expect(plan.summary).to.include({ create: addresses.length, update: 0, delete: 0, replace: 0 });
    });
  });
});
