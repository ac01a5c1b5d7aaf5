/**
 * The same 200-event run under faults must leave the same tables as a clean run: at-least-once
 * and unordered delivery, throttling and a database outage are normal, not edge cases.
 */
import { expect } from 'chai';
import { startSandbox, type SandboxOptions } from '../../local/index.ts';
import { sandboxProgress } from './support/progress.ts';
import { SandboxClients, TestClock } from './support/sandbox-clients.ts';
import { comparableState, runScenario, secretValue } from './support/scenario.ts';

type State = Awaited<ReturnType<typeof comparableState>>;

async function scenarioUnder(options: SandboxOptions, report?: string) {
  const sandbox = await startSandbox({ clock: new TestClock().read, ...options });
  const progress = report === undefined ? undefined : sandboxProgress(report, sandbox);
  try {
    const clients = new SandboxClients(sandbox);
    await runScenario(sandbox, clients);
    progress?.stage('scenario written, settling');
    await sandbox.settle();
    progress?.stage('settled, comparing the tables');
    return { sandbox, clients, state: await comparableState(sandbox, clients), deadLetters: sandbox.deadLetters() };
  } finally {
    progress?.stop();
    await sandbox.stop();
  }
}

describe('the pipeline under faults (end to end, built bundles)', function () {
  this.timeout(180_000);
  let clean: State;

  before(async () => {
    const run = await scenarioUnder({});
    expect(run.deadLetters).to.deep.equal([]);
    clean = run.state;
    expect(Object.keys(clean.audit)).to.have.length(51);
    expect(clean.cache).to.have.length(51);
  });

  it('leaves identical tables when every event is delivered three times', async () => {
    const run = await scenarioUnder({ faults: { duplicateDelivery: 3 } });
    expect(run.deadLetters).to.deep.equal([]);
    expect(run.state).to.deep.equal(clean);
  });

  it('leaves the same cache and audit log when events arrive shuffled', async () => {
    const run = await scenarioUnder({ faults: { shuffleDelivery: true }, seed: 7 });
    expect(run.deadLetters).to.deep.equal([]);
    expect(run.state).to.deep.equal(clean);
  });

  it('loses no audit record, cache entry or replication with 20% of SSM calls throttled', async function () {
    // The functions' adaptive retry slows every client down after throttling, as it should
    // against Parameter Store's real rate limits; random throttling makes that the slow test.
    this.timeout(600_000);
    const run = await scenarioUnder({ faults: { ssmThrottleRate: 0.2 }, seed: 3 }, '20% of SSM calls throttled');
    expect(run.deadLetters).to.deep.equal([]);
    expect(run.state).to.deep.equal(clean);
  });

  it('recovers everything after DynamoDB Local restarts mid-run: retries, then the syncers', async () => {
    // Lambda retries an async event after about one and then two more minutes; retries ten
    // seconds apart ride out a restart of DynamoDB Local even on a busy machine (its JVM then
    // takes well over the 8 s that two retries 4 s apart allowed). An event that still ends
    // dead-lettered is redriven after the run's deletes, and would lose its value (see "a
    // limit of the design" in docs/semantics.md), so the margin matters.
    const sandbox = await startSandbox({ clock: new TestClock().read, retryDelayMs: 10_000, durableDynamoDb: true });
    try {
      const clients = new SandboxClients(sandbox);
      let restart: Promise<void> | undefined;
      await runScenario(sandbox, clients, () => {
        restart = sandbox.restartDynamoDb();
      });
      await restart;
      await sandbox.settle();
      await sandbox.redriveDeadLetters();
      await sandbox.runSchedule('replication-syncer');
      await sandbox.runSchedule('config-cache-syncer');
      expect(sandbox.deadLetters()).to.deep.equal([]);
      expect(await comparableState(sandbox, clients)).to.deep.equal(clean);
    } finally {
      await sandbox.stop();
    }
  });

  it('dead-letters a poison event with the reason and processes the others', async () => {
    const sandbox = await startSandbox({ clock: new TestClock().read });
    try {
      const clients = new SandboxClients(sandbox);
      const poison = {
        version: '0',
        id: 'poison-1',
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.ssm',
        account: '123456789012',
        time: '2026-11-26T09:00:00Z',
        region: 'eu-west-1',
        resources: [],
        detail: {
          eventSource: 'ssm.amazonaws.com',
          eventName: 'PutParameter',
          eventID: 'poison-event',
          eventTime: 'yesterday at noon',
          userIdentity: { type: 'IAMUser', userName: 'mallory' },
          requestParameters: { name: '/poison/x', type: 'String' },
          responseElements: { version: 1 },
        },
      };
      expect(sandbox.publishEvent(poison)).to.equal(true);
      await runScenario(sandbox, clients);
      const letters = sandbox.deadLetters();
      expect(letters.map((letter) => letter.functionName).sort()).to.deep.equal([
        'config-cache-manager',
        'parameter-store-auditor',
        'parameter-stream-replicator',
      ]);
      for (const letter of letters) {
        expect(letter).to.deep.include({ source: 'event-rule', payload: poison, attempts: 3 });
        expect(letter.error).to.include('detail.eventTime');
      }
      const state = await comparableState(sandbox, clients);
      expect(state).to.deep.equal(clean);
    } finally {
      await sandbox.stop();
    }
  });

  it('never lets SecureString plaintext reach a table or a log line', async () => {
    const sandbox = await startSandbox({ clock: new TestClock().read });
    try {
      const clients = new SandboxClients(sandbox);
      await runScenario(sandbox, clients);
      const tables = JSON.stringify(await Promise.all(Object.values(sandbox.tables).map((table) => clients.scan(table))));
      const logs = sandbox.logs().map((entry) => entry.line).join('\n');
      expect(logs).to.include('/e2e/params/4');
      for (let round = 1; round <= 4; round++) {
        const secret = secretValue(round, 4);
        expect(tables).not.to.include(secret);
        expect(logs).not.to.include(secret);
        expect(tables).not.to.include(encodeURIComponent(secret).replaceAll('%20', '+'));
      }
    } finally {
      await sandbox.stop();
    }
  });
});
