/**
 * `figgy-events status` end to end: the CLI's own main() with the sandbox's environment,
 * against the sync progress table the built syncers write, the replication rule and the
 * dead-letter queues the emulator's SQS counts.
 */
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { main } from '../../bin/main.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../local/index.ts';
import { SqsQueueDepths } from '../../shared/aws/sqs-queue-depths.ts';
import { FUNCTION_NAMES } from '../../shared/functions.ts';
import type { HealthSummary } from '../../shared/health-summary.ts';
import { SandboxClients } from './support/sandbox-clients.ts';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const MINUTE = 60_000;

describe('status (end to end, in the sandbox)', function () {
  this.timeout(240_000);
  const originalEnv = { ...process.env };

  const cli = async (argv: string[], now?: () => number): Promise<Run> => {
    const out = { stdout: '', stderr: '' };
    const code = await main(['status', ...argv], {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
      ...(now && { now }),
    });
    return { code, ...out };
  };
  const summaryOf = (run: Run) => JSON.parse(run.stdout) as HealthSummary;
  const syncer = (summary: HealthSummary, job: string) => summary.syncers.find((each) => each.job === job);

  /** A sandbox the CLI finds by its environment, as it finds a deployment. */
  const start = async (options: SandboxOptions = {}) => {
    const sandbox = await startSandbox({ destinationPrefixes: ['/app/'], ...options });
    Object.assign(process.env, sandbox.env);
    return { sandbox, clients: new SandboxClients(sandbox) };
  };
  const stop = async (sandbox: Sandbox | undefined) => {
    for (const name of Object.keys(process.env)) if (!(name in originalEnv)) delete process.env[name];
    Object.assign(process.env, originalEnv);
    await sandbox?.stop();
  };

  describe('a healthy deployment, then a hand-edited destination', () => {
    let sandbox: Sandbox;
    let clients: SandboxClients;
    let alice: SSMClient;

    before(async () => {
      ({ sandbox, clients } = await start());
      alice = clients.ssmAs('alice');
      await alice.send(new PutParameterCommand({ Name: '/team/db', Value: 'truth', Type: 'String' }));
      await clients.documents.send(new PutCommand({ TableName: sandbox.tables.replication, Item: { destination: '/app/db', source: '/team/db', type: 'app' } }));
      await sandbox.settle();
    });

    after(() => stop(sandbox));

    it('exits 0 with every syncer\'s finished pass, no refused mapping and empty dead-letter queues', async () => {
      for (const job of ['replication-syncer', 'config-cache-syncer', 'audit-syncer'] as const) {
        expect(await sandbox.runSchedule(job)).to.include({ status: 'finished' });
      }
      const run = await cli(['--json']);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const summary = summaryOf(run);
      expect(summary.attention).to.deep.equal([]);
      // Each job's first pass: what it brought in is no repair.
      expect(syncer(summary, 'replication-syncer')?.lastPass).to.deep.include({ invocations: 1, checked: 1, repairs: {}, firstPassChanges: {} });
      expect(syncer(summary, 'config-cache-syncer')?.lastPass).to.have.property('finishedAt');
      expect(syncer(summary, 'audit-syncer')?.lastPass).to.have.property('finishedAt');
      expect(summary.mappings).to.deep.equal({ judged: true, count: 1, refused: [], unjudged: 0 });
      expect(summary.deadLetters.map((queue) => queue.function)).to.deep.equal(FUNCTION_NAMES);
      for (const queue of summary.deadLetters) expect(queue, queue.function).to.deep.include({ queue: `figgy-${queue.function}-dlq`, depth: 0 });

      const table = await cli([]);
      expect(table.code).to.equal(0);
      expect(table.stdout).to.include('healthy: nothing needs attention');
      expect(table.stdout).to.match(/replication-syncer\s+\S+, \d+s, 1 invocation\(s\), 1 checked\s+first pass: nothing to bring in\s+none\s+free\s+none/);
    });

    it('exits 1 naming the repair after a syncer pass rewrites a destination edited by hand, and the refused mapping', async () => {
      await alice.send(new PutParameterCommand({ Name: '/app/db', Value: 'edited by hand', Type: 'String', Overwrite: true }));
      // Outside the destination prefixes: the rule refuses it.
      await clients.documents.send(new PutCommand({ TableName: sandbox.tables.replication, Item: { destination: '/elsewhere/db', source: '/team/db', type: 'app' } }));
      await sandbox.settle();
      expect(await sandbox.runSchedule('replication-syncer')).to.include({ status: 'finished' });

      const run = await cli([]);
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stdout).to.match(/replication-syncer repaired 1 destination-rewritten in its last pass/);
      expect(run.stdout).to.match(/mapping \/elsewhere\/db is refused: /);
      const summary = summaryOf(await cli(['--json']));
      expect(syncer(summary, 'replication-syncer')?.lastPass?.repairs).to.deep.equal({ 'destination-rewritten': 1 });
      expect(summary.mappings).to.deep.include({ judged: true, count: 2 });
      expect(summary.attention).to.have.length(2);
    });
  });

  describe('a syncer denied a call it needs', () => {
    let sandbox: Sandbox;
    let clients: SandboxClients;

    before(async () => {
      ({ sandbox, clients } = await start({
        revokedGrants: [
          // A mirror at home is checked for cycles by reading its upstream mappings.
          { functionName: 'replication-syncer', table: 'replication', operation: 'GetItem' },
          // The cache manager swaps a name's items in one transaction: its events are dead-lettered.
          { functionName: 'config-cache-manager', table: 'cache', operation: 'TransactWriteItems:Put' },
        ],
      }));
      await clients.ssmAs('alice').send(new PutParameterCommand({ Name: '/team/db', Value: 'v1', Type: 'String' }));
      await clients.documents.send(new PutCommand({ TableName: sandbox.tables.replication, Item: { destination: '/app/team/', source: '/team/', type: 'mirror' } }));
      await sandbox.settle();
    });

    after(() => stop(sandbox));

    it('leaves its pass open, which status calls wedged once it is older than the threshold, beside the dead letters', async () => {
      const failed = await sandbox.runSchedule('replication-syncer').then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failed?.message).to.match(/AccessDeniedException/);

      // Just after the failure the pass is open, but not yet wedged.
      const fresh = summaryOf(await cli(['--json']));
      const open = syncer(fresh, 'replication-syncer')?.openPass;
      expect(open).to.deep.include({ invocations: 1, wedged: false });
      expect(syncer(fresh, 'replication-syncer')?.lease).to.equal(undefined);

      // Three hours on, as the operator's clock would read, with no invocation having finished it.
      const later = Date.now() + 181 * MINUTE;
      const run = await cli([], () => later);
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stdout).to.match(/replication-syncer's pass is wedged: open 18\d minutes over 1 invocation\(s\)/);
      expect(run.stdout).to.match(/replication-syncer\s+none yet\s+-\s+WEDGED since /);
      expect(run.stdout).to.match(/\d+ dead letter\(s\) of config-cache-manager in figgy-config-cache-manager-dlq/);

      // A lower threshold says so sooner.
      const sooner = summaryOf(await cli(['--json', '--wedged-after', '1'], () => Date.now() + 2 * MINUTE));
      expect(syncer(sooner, 'replication-syncer')?.openPass).to.deep.include({ wedged: true });
    });

    it('reads a queue the caller may not read as "not readable", as a role without SQS reads would on AWS', async () => {
      // The audit syncer's role: it may send its dead letters, not read the queue.
      const sqs = new SQSClient({ endpoint: sandbox.env.AWS_ENDPOINT_URL_SQS, region: sandbox.env.AWS_REGION, credentials: { accessKeyId: 'auditsyncer', secretAccessKey: 'x' }, maxAttempts: 1 });
      try {
        expect(await new SqsQueueDepths(sqs).depth('figgy-audit-syncer-dlq')).to.deep.equal({ unknown: 'not readable' });
      } finally {
        sqs.destroy();
      }
      const admin = new SQSClient({ endpoint: sandbox.env.AWS_ENDPOINT_URL_SQS, region: sandbox.env.AWS_REGION, maxAttempts: 1 });
      try {
        expect(await new SqsQueueDepths(admin).depth('figgy-nothing-dlq')).to.deep.equal({ unknown: 'no such queue' });
      } finally {
        admin.destroy();
      }
    });

    it('refuses a bad threshold as bad usage', async () => {
      const run = await cli(['--wedged-after', 'soon']);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.include('--wedged-after "soon" must be a whole number of minutes');
    });
  });
});
