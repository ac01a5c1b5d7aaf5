/**
 * The sandbox command as a newcomer runs it, through the CLI in a child process: `--serve`
 * prints its settings, an environment a shell takes as it is, the functions' warnings as they
 * happen, runs the syncers on a typed command and says when it has stopped; the demo ends
 * with the next steps.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { createDynamoDocumentClient } from '../../shared/aws/dynamo-client.ts';
import { packageRoot } from '../../stacks/function-bundles.ts';

const ROOT = packageRoot();
const DR_REGION = 'eu-central-1';

/** The CLI from source, as `npm start` runs it, in a process of its own. */
function startCli(args: string[]): CliProcess {
  return new CliProcess(spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'figgy-events.ts'), ...args], { cwd: ROOT }));
}

/** A running CLI: its stdout so far, and a way to wait for a line. */
class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8').on('data', (text: string) => (this.stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the stdout once `pattern` shows in what comes after `from`. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 120_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.stdout.slice(from).match(pattern);
      if (found) return found;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`never printed ${pattern}; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  type(line: string): number {
    const from = this.stdout.length;
    this.child.stdin.write(`${line}\n`);
    return from;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until `check` holds; the sandbox's effects take their time on a busy machine. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never saw ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('figgy-events sandbox (the CLI, end to end)', function () {
  this.timeout(300_000);

  describe('--serve', () => {
    let cli: CliProcess;
    let ports: { ssm: number; dynamodb: number };
    let env: Record<string, string>;
    let block: string;

    before(async () => {
      ports = { ssm: await freePort(), dynamodb: await freePort() };
      cli = startCli(['sandbox', '--serve', '--ports', `${ports.ssm},${ports.dynamodb}`]);
      await cli.waitFor(/everything lives in memory/);
      const [found] = await cli.waitFor(/^# point the AWS CLI.*\n(export .*\n)+/m);
      block = found;
      env = Object.fromEntries([...block.matchAll(/^export (\w+)='([^']*)'$/gm)].map(([, name, value]) => [name as string, value as string]));
    });

    after(async () => {
      if (cli.child.exitCode === null) {
        cli.child.kill('SIGKILL');
        await cli.exited;
      }
    });

    it('prints the settings it runs with and an environment a shell takes as it is, on the ports asked for', () => {
      expect(cli.stdout).to.match(/destinationPrefixes\s+\/app\n/);
      expect(cli.stdout).to.match(/sourcePrefixes\s+\/\n/);
      expect(cli.stdout).to.match(/auditedNamespaces\s+\/\n/);
      expect(cli.stdout).to.match(new RegExp(`replicaTargets\\s+${DR_REGION} \\(this account\\) into /dr\\n`));
      expect(env).to.include({
        AWS_REGION: 'eu-west-1',
        AWS_DEFAULT_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${ports.ssm}`,
        AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${ports.dynamodb}`,
        AUDIT_TABLE_NAME: 'figgy-config-auditor',
      });
      // The block, given to a shell as printed, sets every variable it shows.
      const names = Object.keys(env);
      const shell = spawnSync('sh', ['-c', `eval "$BLOCK"\n${names.map((name) => `printf '%s\\n' "$${name}"`).join('\n')}`], {
        env: { PATH: process.env.PATH, BLOCK: block },
        encoding: 'utf8',
      });
      expect(shell.status, shell.stderr).to.equal(0);
      expect(shell.stdout.trimEnd().split('\n')).to.deep.equal(names.map((name) => env[name]));
    });

    it('prints a refused mapping\'s warning as it happens, and repairs a hand-edited replica on a typed command', async () => {
      const credentials = { accessKeyId: 'newcomer', secretAccessKey: 'sandbox' };
      const home = new SSMClient({ endpoint: env.AWS_ENDPOINT_URL_SSM, region: env.AWS_REGION, credentials });
      const dr = new SSMClient({ endpoint: env.AWS_ENDPOINT_URL_SSM, region: DR_REGION, credentials });
      const documents = createDynamoDocumentClient(new DynamoDBClient({ endpoint: env.AWS_ENDPOINT_URL_DYNAMODB, region: env.AWS_REGION, credentials }));
      const replicaValue = async () =>
        (await dr.send(new GetParameterCommand({ Name: '/dr/shared/db/host' })).catch(() => undefined))?.Parameter?.Value;

      await home.send(new PutParameterCommand({ Name: '/shared/db/host', Value: 'db-1.internal', Type: 'String' }));
      const mirror = (region: string) => ({
        TableName: env.REPLICATION_TABLE_NAME,
        Item: { destination: `arn:aws:ssm:${region}:123456789012:parameter/dr/shared/`, source: '/shared/', type: 'mirror', user: 'newcomer' },
      });
      // A region no replicaTargets entry names: refused, and only the functions' log says why.
      const beforeRefusal = cli.stdout.length;
      await documents.send(new PutCommand(mirror('us-east-1')));
      const [warning] = await cli.waitFor(/^(WARN|ERROR) +dynamo-stream-replicator: .*$/m, beforeRefusal);
      expect(warning).to.include('us-east-1');

      await documents.send(new PutCommand(mirror(DR_REGION)));
      await eventually(async () => (await replicaValue()) === 'db-1.internal', 'the first copy');
      await dr.send(new PutParameterCommand({ Name: '/dr/shared/db/host', Value: 'edited by hand', Type: 'String', Overwrite: true }));

      const from = cli.type('run replication-syncer');
      const [outcome] = await cli.waitFor(/^replication-syncer: .*$/m, from);
      expect(outcome).to.match(/finished in \d+ invocations?: .*repaired: 1 destination\(s\) or replica\(s\) rewritten/);
      expect(await replicaValue()).to.equal('db-1.internal');

      const unknown = cli.type('rum');
      await cli.waitFor(/unknown command "rum": type help/, unknown);
    });

    it('says it has stopped on Ctrl-C, and exits 0', async () => {
      const from = cli.stdout.length;
      cli.child.kill('SIGINT');
      expect(await cli.exited).to.equal(0);
      expect(cli.stdout.slice(from)).to.include('stopping the sandbox').and.include('sandbox stopped; its parameters, tables and logs are gone.');
    });
  });

  it('the demo ends with the schedules in words and the next steps', async () => {
    const demo = startCli(['sandbox']);
    const code = await demo.exited;
    expect(code, demo.stdout + demo.stderr).to.equal(0);
    expect(demo.stdout).to.match(/replication-syncer \(every 15 minutes\): finished in 1 invocation: 3 mappings \(1 mirror\); \d+ destination\(s\) and replica\(s\) already in sync; nothing to repair/);
    expect(demo.stdout).to.match(/config-cache-syncer \(every 1 hour\): finished in 1 invocation: \d+ parameters listed against the name cache; nothing to repair/);
    expect(demo.stdout).not.to.include('"status"');
    expect(demo.stdout).to.match(/audit log: \d+ records, by alice and bob, and by the replicators writing destinations, each as a session of its own role \(dynamostreamreplicator, parameterstreamreplicator, replicationsyncer\)/);
    // The hand-edited destination is repaired and counted, in the metrics and by status.
    expect(demo.stdout).to.match(/replication-syncer: finished in 1 invocation: .*repaired: 1 destination\(s\) or replica\(s\) rewritten/);
    expect(demo.stdout).to.match(/parameter-store-auditor\s+\d+ event\(s\) handled, age p50 \d+ ms, p99 \d+ ms/);
    expect(demo.stdout).to.include('replication-syncer repaired 1 destination-rewritten: its "repaired" alarm would fire');
    expect(demo.stdout).to.match(/replication-syncer\s+\S+, \d+s, 1 invocation\(s\), 3 checked\s+1 destination-rewritten/);
    expect(demo.stdout).to.include('1 thing(s) need attention:\n  - replication-syncer repaired 1 destination-rewritten in its last pass');
    expect(demo.stdout).to.include('(status exited 1: 0 healthy, 1 something needs attention)');
    const next = demo.stdout.slice(demo.stdout.indexOf('\nnext:\n'));
    expect(next).to.include('npm start -- --serve').and.include('history /shared/db/host').and.include('mappings list').and.include('status');
  });
});
