import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildCdktnFlavour, cdktnFrameworkSource, CDKTN_FLAVOUR_FOLDER, FlavourBuildError } from '../../../scripts/cdktn-flavour.ts';
import { packageRoot } from '../../../stacks/function-bundles.ts';

describe('cdktnFrameworkSource (the one module the CDK Terrain flavour compiles differently)', () => {
  it('names cdktn and the @cdktn/provider-aws subpath of every cdktf import, and changes nothing else', () => {
    const source = readFileSync(join(packageRoot(), 'stacks', 'framework.ts'), 'utf8');
    const flavour = cdktnFrameworkSource(source);
    expect(flavour).to.not.match(/from '(cdktf|@cdktf\/)/);
    expect(flavour).to.include("} from 'cdktn';");
    expect(flavour).to.include("export { LambdaFunction } from '@cdktn/provider-aws/lib/lambda-function/index.js';");
    expect(flavour.replaceAll("'cdktn'", "'cdktf'").replaceAll("'@cdktn/", "'@cdktf/")).to.equal(source);
  });

  it('refuses an import it has no cdktn counterpart for, naming it, rather than ship it unchanged', () => {
    const source = "export { App } from 'cdktf';\nexport { Bucket } from '@cdktf/provider-google/lib/bucket/index.js';\n";
    expect(() => cdktnFrameworkSource(source)).to.throw(FlavourBuildError, '"@cdktf/provider-google/lib/bucket/index.js", which is not a framework package');
    expect(() => cdktnFrameworkSource("export { readFileSync } from 'node:fs';\n")).to.throw(FlavourBuildError, '"node:fs"');
  });

  it('refuses a framework module that imports no framework package', () => {
    expect(() => cdktnFrameworkSource('export const nothing = 1;\n')).to.throw(FlavourBuildError, 'imports no framework package');
  });
});

describe('buildCdktnFlavour, on a copy of the construct with one change', function () {
  this.timeout(120_000);
  const copies: string[] = [];
  after(() => {
    for (const copy of copies) rmSync(copy, { recursive: true, force: true });
  });

  /** A copy of what the flavour compiles, with `addition` appended to one of its files. */
  function copyWith(file: string, addition: string): string {
    const repo = packageRoot();
    const root = mkdtempSync(join(tmpdir(), 'figgy-flavour-'));
    copies.push(root);
    for (const entry of ['stacks', 'shared', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'LICENSE', 'CHANGELOG.md']) {
      cpSync(join(repo, entry), join(root, entry), { recursive: true });
    }
    mkdirSync(join(root, CDKTN_FLAVOUR_FOLDER), { recursive: true });
    cpSync(join(repo, CDKTN_FLAVOUR_FOLDER, 'package.json'), join(root, CDKTN_FLAVOUR_FOLDER, 'package.json'));
    mkdirSync(join(root, 'functions'));
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    appendFileSync(join(root, file), addition);
    return root;
  }

  it('refuses a cdktf import outside the framework module, which would be type-checked against cdktf and shipped renamed', () => {
    const root = copyWith(
      'shared/parameter-arn.ts',
      "\nimport type { CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';\n" +
        'export const comparison = (config: CloudwatchMetricAlarmConfig): string => config.comparisonOperator;\n',
    );
    expect(() => buildCdktnFlavour(root, join(root, 'functions'))).to.throw(FlavourBuildError, 'shared/parameter-arn.ts import cdktf: only stacks/framework.ts may');
    expect(existsSync(join(root, CDKTN_FLAVOUR_FOLDER, 'dist'))).to.equal(false);
  });

  for (const [what, addition] of [
    ['a double-quoted re-export', 'export { Fn } from "cdktf";\n'],
    ['an import() type', "export type Element = import('cdktf').TerraformElement;\n"],
  ] as const) {
    it(`renames or refuses cdktf in ${what} in the framework module itself, never shipping it as cdktf`, () => {
      const root = copyWith('stacks/framework.ts', addition);
      let built: string | undefined;
      try {
        built = buildCdktnFlavour(root, join(root, 'functions'));
      } catch (error) {
        expect(error).to.be.instanceOf(FlavourBuildError);
        expect((error as Error).message).to.include('stacks/framework.ts import cdktf');
        return;
      }
      expect(readFileSync(join(root, built, 'dist', 'stacks', 'framework.d.ts'), 'utf8')).to.not.match(/["']cdktf["']/);
    });
  }

  it('fails on a type error only the cdktn bindings show, and leaves no dist/ for npm pack to find', () => {
    // comparisonOperator is required by @cdktf/provider-aws 20.x and optional in 25.x.
    const root = copyWith('stacks/alarms.ts', '\nexport const comparison = (config: ConstructorParameters<typeof CloudwatchMetricAlarm>[2]): string => config.comparisonOperator;\n');
    expect(() => buildCdktnFlavour(root, join(root, 'functions'))).to.throw(FlavourBuildError, 'does not compile against cdktn');
    expect(existsSync(join(root, CDKTN_FLAVOUR_FOLDER, 'dist')), 'flavours/cdktn/dist after a failed build').to.equal(false);
  });
});
