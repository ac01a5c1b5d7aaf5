/**
 * The CLI as a user runs it: its own process (the executable, through Node and tsx), real SDK
 * clients configured from the environment and the flags, against the sandbox's DynamoDB Local,
 * SSM + KMS emulator and the function bundles that write the audit log.
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutParameterCommand, type ParameterType, type SSMClient } from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { startSandbox, type Sandbox } from '../../local/index.ts';
import { packageRoot } from '../../stacks/function-bundles.ts';
import { SandboxClients } from './support/sandbox-clients.ts';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment a shell gives the CLI: nothing of AWS but what a test adds. */
function shellEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(AWS_|AUDIT_|CACHE_|REPLICATION_)/.test(name)));
}

describe('the figgy-events command line (its own process, end to end, in the sandbox)', function () {
  this.timeout(240_000);
  let sandbox: Sandbox;
  let alice: SSMClient;
  const home = mkdtempSync(join(tmpdir(), 'figgy-cli-home-'));

  /** Runs the executable with `env` (the sandbox's, unless given) over a shell without AWS settings. */
  const cli = (argv: string[], env: Record<string, string> = sandbox.env): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'bin', 'figgy-events.ts'), ...argv], {
        // No ~/.aws of the machine, and no instance metadata to wait for.
        env: { ...shellEnvironment(), HOME: home, AWS_EC2_METADATA_DISABLED: 'true', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out = { stdout: '', stderr: '' };
      child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, ...out }));
    });
  const put = (name: string, value: string, type: ParameterType = 'String') =>
    alice.send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: true }));
  const without = (...names: string[]) => Object.fromEntries(Object.entries(sandbox.env).filter(([name]) => !names.includes(name)));

  before(async () => {
    sandbox = await startSandbox({ destinationPrefixes: ['/cli-copy/'] });
    alice = new SandboxClients(sandbox).ssmAs('alice');
    await put('/cli/db/host', 'db-1');
    await put('/cli/db/host', 'db-2');
    await put('/cli/db/password', 'pw-1', 'SecureString');
    await put('/cli/flag', 'on');
    await sandbox.settle();
  });
  after(async () => {
    await sandbox?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('prints its version, and answers an unknown flag or command with the one meant, exit 2', async () => {
    const version = await cli(['--version']);
    expect(version.code).to.equal(0);
    expect(version.stdout).to.match(/^figgy-events \d+\.\d+\.\d+\n$/);
    const flag = await cli(['log', '--prefix', '/cli', '--sinse', '1h']);
    expect(flag.code).to.equal(2);
    expect(flag.stderr).to.include('unknown option --sinse: did you mean --since?').and.not.include("after '--'");
    const command = await cli(['histroy', '/cli/db/host']);
    expect(command.code).to.equal(2);
    expect(command.stderr).to.include('did you mean "history"?');
  });

  it('takes --region and --profile like the AWS CLI, through the SDK credential chain', async () => {
    const region = sandbox.env.AWS_REGION as string;
    const byFlag = await cli(['history', '/cli/db/host', '--region', region], without('AWS_REGION'));
    expect(byFlag.code, byFlag.stderr).to.equal(0);
    expect(byFlag.stdout).to.include('"db-2"').and.include('2 change(s)');
    // mappings too: its table, and for check the Parameter Store it reads.
    const listed = await cli(['mappings', 'list', '--region', region], without('AWS_REGION'));
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stdout).to.include('mapping(s) in');
    const checked = await cli(['mappings', 'check', '--region', region], { ...without('AWS_REGION'), REPLICATION_DESTINATION_PREFIXES: '/cli-copy/' });
    expect(checked.code, checked.stderr).to.equal(0);

    // A named profile, as ~/.aws holds it: its keys and its region, nothing in the environment.
    const credentials = join(home, 'credentials');
    const config = join(home, 'config');
    writeFileSync(credentials, `[sandbox]\naws_access_key_id = ${sandbox.env.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${sandbox.env.AWS_SECRET_ACCESS_KEY}\n`);
    writeFileSync(config, `[profile sandbox]\nregion = ${region}\n`);
    const files = { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: config };
    const byProfile = await cli(['history', '/cli/db/host', '--profile', 'sandbox'], { ...without('AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'), ...files });
    expect(byProfile.code, byProfile.stderr).to.equal(0);
    expect(byProfile.stdout).to.include('2 change(s)');
    const listedByProfile = await cli(['mappings', 'list', '--profile', 'sandbox'], { ...without('AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'), ...files });
    expect(listedByProfile.code, listedByProfile.stderr).to.equal(0);
    const unknownProfile = await cli(['history', '/cli/db/host', '--profile', 'nobody'], { ...without('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'), ...files });
    expect(unknownProfile.code).to.equal(1);
    expect(unknownProfile.stderr).to.include('no AWS credentials from the profile "nobody"');
  });

  it('says what to do when the region, the credentials, the endpoint or the table is missing', async () => {
    const region = await cli(['history', '/cli/db/host'], without('AWS_REGION'));
    expect(region.code).to.equal(1);
    expect(region.stderr).to.include('no AWS region: set AWS_REGION').and.include('--region');
    const credentials = await cli(['history', '/cli/db/host'], without('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'));
    expect(credentials.code).to.equal(1);
    expect(credentials.stderr).to.include('no AWS credentials found').and.include('--profile');
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const stopped = await cli(['history', '/cli/db/host'], { ...sandbox.env, AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${closed}`, AWS_MAX_ATTEMPTS: '1' });
    expect(stopped.code).to.equal(1);
    expect(stopped.stderr).to.include('ECONNREFUSED').and.include('nothing answers at that address');
    const table = await cli(['log', '--prefix', '/cli'], { ...sandbox.env, AUDIT_TABLE_NAME: 'acme-config-auditor' });
    expect(table.code).to.equal(1);
    expect(table.stderr).to.include('table acme-config-auditor does not exist').and.include('set AUDIT_TABLE_NAME');
  });

  it('reads a name and a prefix by one rule, and points a prefix given to history at log --prefix', async () => {
    const prefix = await cli(['history', '/cli/db/']);
    expect(prefix.code, prefix.stderr).to.equal(0);
    expect(prefix.stdout).to.include('(no audit record of this name)');
    expect(prefix.stdout).to.include('/cli/db is a prefix: 3 record(s) of 2 parameter(s) lie under it; "figgy-events log --prefix /cli/db" shows them');
    for (const argv of [['history', 'cli/db/host'], ['log', '--prefix', 'cli/db']]) {
      const run = await cli(argv);
      expect(run.code, argv.join(' ')).to.equal(2);
      expect(run.stderr).to.match(/"cli\/db(\/host)?" must start with "\/"/);
    }
  });

  it('names actions in its tables as --json does, and shows every count of the JSON summary in the text', async () => {
    const json = JSON.parse((await cli(['log', '--prefix', '/cli', '--json'])).stdout) as { entries: { action: string }[] };
    const table = (await cli(['log', '--prefix', '/cli'])).stdout;
    const actions = new Set(json.entries.map((entry) => entry.action));
    expect([...actions]).to.deep.equal(['PutParameter']);
    expect(table.split('\n').filter((line) => line.startsWith('20')).every((line) => / PutParameter /.test(line))).to.equal(true);

    // --dry-run is what restore does anyway; --max-wps is --max-tps.
    const at = new Date(Date.now() - 1000).toISOString();
    const plan = await cli(['restore', '--prefix', '/cli', '--at', at, '--dry-run', '--max-wps', '2', '--json']);
    expect(plan.code, plan.stderr).to.equal(0);
    const { summary, mode } = JSON.parse(plan.stdout) as { summary: Record<string, number>; mode: string };
    expect(mode).to.equal('dry-run');
    const text = await cli(['restore', '--prefix', '/cli', '--at', at, '--dry-run']);
    const words: Record<string, string> = { create: 'to create', update: 'to update', delete: 'to delete', unchanged: 'unchanged', skipped: 'skipped', unresolved: 'unresolved' };
    expect(Object.keys(summary).sort()).to.deep.equal(Object.keys(words).sort());
    for (const [key, count] of Object.entries(summary)) expect(text.stdout).to.include(`${count} ${words[key]}`);
    const help = await cli(['restore', '--help']);
    expect(help.stdout).to.include('SecureString         Parameter Store\'s own version history').and.include('decrypted with KMS');
  });

  it('clones a prefix into another region with --into-region, reading only at the source', async () => {
    const at = new Date(Date.now() - 1000).toISOString();
    const args = ['restore', '--prefix', '/cli', '--at', at, '--into', '/cli', '--into-region', 'eu-central-1'];
    // A mapping of this deployment keeps /cli/flag there: the clone leaves it to replication.
    const flagThere = `arn:aws:ssm:eu-central-1:${sandbox.accountId}:parameter/cli/flag`;
    await new SandboxClients(sandbox).documents.send(
      new PutCommand({ TableName: sandbox.env.REPLICATION_TABLE_NAME, Item: { destination: flagThere, source: '/cli/flag', type: 'app' } }),
    );
    const plan = await cli(args);
    expect(plan.code, plan.stderr).to.equal(0);
    expect(plan.stdout).to.include('into /cli (region eu-central-1)');
    expect(plan.stdout).to.include(`replication destination (${flagThere}): restore the source (/cli/flag)`);
    const applied = await cli([...args, '--apply']);
    expect(applied.code, applied.stderr).to.equal(0);
    const clone = sandbox.ssm.snapshot({ region: 'eu-central-1' }).filter((parameter) => parameter.name.startsWith('/cli/'));
    expect(clone.map((parameter) => [parameter.name, parameter.type, parameter.value])).to.deep.equal([
      ['/cli/db/host', 'String', 'db-2'],
      ['/cli/db/password', 'SecureString', 'pw-1'],
    ]);
    const usage = await cli(['restore', '--prefix', '/cli', '--at', at, '--into-region', 'eu-central-1']);
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.include('add --into PATH');
  });
});
