/**
 * Every behaviour of the handlers, end to end: real SDK clients write to the sandbox's
 * Parameter Store, CloudTrail-shaped events go through the rule to the built bundles, and the
 * tables are read back as the Figgy CLI would read them.
 */
import type {
  SSMClient} from '@aws-sdk/client-ssm';
import {
  DeleteParameterCommand,
  DeleteParametersCommand,
  ParameterAlreadyExists,
  PutParameterCommand,
  ThrottlingException,
  type ParameterType,
} from '@aws-sdk/client-ssm';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { startSandbox, type Sandbox } from '../../local/index.ts';
import { SandboxClients, TestClock } from './support/sandbox-clients.ts';

/** The embedded-metric-format lines `fn` wrote that carry `metric`, as CloudWatch would read them. */
function emittedBy(sandbox: Sandbox, fn: string, metric: string): Record<string, unknown>[] {
  return sandbox
    .logs()
    .filter((log) => log.functionName === fn)
    .flatMap((log) => {
      try {
        return [JSON.parse(log.line) as Record<string, unknown>];
      } catch {
        return [];
      }
    })
    .filter((line) => {
      const directives = (line._aws as { CloudWatchMetrics?: { Metrics: { Name: string }[] }[] } | undefined)?.CloudWatchMetrics ?? [];
      return directives.some((directive) => directive.Metrics.some((entry) => entry.Name === metric));
    });
}

/**
 * A metric's values in one EMF line: EMF writes one value, or a list when the metric was added
 * more than once before the flush (a pass's repairs of two kinds; in the sandbox, overlapping
 * invocations of one function, which share a worker where Lambda gives each its own).
 */
function valuesOf(line: Record<string, unknown>, metric: string): number[] {
  const value = line[metric];
  return (Array.isArray(value) ? value : [value]).map(Number);
}

/** A metric's total over the lines. */
function sumOf(lines: Record<string, unknown>[], metric: string): number {
  return lines.flatMap((line) => valuesOf(line, metric)).reduce((sum, value) => sum + value, 0);
}

describe('the pipeline end to end (built bundles in the sandbox)', function () {
  this.timeout(120_000);
  const clock = new TestClock();
  let sandbox: Sandbox;
  let clients: SandboxClients;
  let alice: SSMClient;
  let bob: SSMClient;

  before(async () => {
    sandbox = await startSandbox({ clock: clock.read, destinationPrefixes: ['/app/'] });
    clients = new SandboxClients(sandbox);
    alice = clients.ssmAs('alice');
    bob = clients.ssmAs('bob');
  });
  after(() => sandbox?.stop());
  afterEach(() => {
    clock.tickMs = 1000;
    sandbox.setFaults({ ssmThrottleRate: 0 });
  });

  const put = (client: SSMClient, name: string, value: string, type: ParameterType = 'String') =>
    client.send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: true }));
  const audit = async (name: string) =>
    (
      await clients.documents.send(
        new QueryCommand({
          TableName: sandbox.tables.audit,
          KeyConditionExpression: 'parameter_name = :name',
          ExpressionAttributeValues: { ':name': name },
        }),
      )
    ).Items ?? [];
  const cache = async (name: string) =>
    (
      await clients.documents.send(
        new QueryCommand({
          TableName: sandbox.tables.cache,
          KeyConditionExpression: 'parameter_name = :name',
          ExpressionAttributeValues: { ':name': name },
        }),
      )
    ).Items ?? [];
  const value = (name: string) => sandbox.ssm.snapshot().find((parameter) => parameter.name === name);
  const emitted = (fn: string, metric: string) => emittedBy(sandbox, fn, metric);
  const map = (item: Record<string, unknown>) =>
    clients.documents.send(new PutCommand({ TableName: sandbox.tables.replication, Item: item }));

  describe('audit log and name cache', () => {
    it('records each form of call once: put, DeleteParameter, and each name DeleteParameters deleted', async () => {
      await put(alice, '/forms/a', 'a');
      await put(alice, '/forms/b', 'b');
      await put(alice, '/forms/c', 'c');
      await bob.send(new DeleteParameterCommand({ Name: '/forms/c' }));
      await bob.send(new DeleteParametersCommand({ Names: ['/forms/a', '/forms/b', '/forms/never'] }));
      await sandbox.settle();
      expect((await audit('/forms/a')).map((record) => `${record.action} ${record.user}`)).to.deep.equal([
        'PutParameter alice',
        'DeleteParameters bob',
      ]);
      expect((await audit('/forms/c')).map((record) => record.action)).to.deep.equal(['PutParameter', 'DeleteParameter']);
      expect(await audit('/forms/never')).to.be.empty;
      for (const name of ['/forms/a', '/forms/b', '/forms/c']) {
        const items = await cache(name);
        expect(items).to.have.length(1);
        expect(items[0]?.state).to.equal('DELETED');
        expect(items[0]?.expires_at).to.be.a('number');
      }
    });

    it('keeps two puts in the same second as two records, ordered by version', async () => {
      clock.tickMs = 0;
      await put(alice, '/same-second/x', 'first');
      await put(alice, '/same-second/x', 'second');
      await sandbox.settle();
      const records = await audit('/same-second/x');
      expect(records.map((record) => [record.version, record.value])).to.deep.equal([
        ['1', 'first'],
        ['2', 'second'],
      ]);
      expect(Math.floor(Number(records[0]?.time) / 1000)).to.equal(Math.floor(Number(records[1]?.time) / 1000));
    });

    it('writes nothing for failed and throttled calls', async () => {
      await put(alice, '/failed/x', 'v');
      await sandbox.settle();
      const before = (await audit('/failed/x')).length;
      let refused: unknown;
      try {
        await alice.send(new PutParameterCommand({ Name: '/failed/x', Value: 'again', Type: 'String' }));
      } catch (error) {
        refused = error;
      }
      expect(refused).to.be.instanceOf(ParameterAlreadyExists);
      sandbox.setFaults({ ssmThrottleRate: 1 });
      const once = clients.ssmAs('alice', { maxAttempts: 1 });
      let throttled: unknown;
      try {
        await put(once, '/failed/throttled', 'v');
      } catch (error) {
        throttled = error;
      }
      sandbox.setFaults({ ssmThrottleRate: 0 });
      expect(throttled).to.be.instanceOf(ThrottlingException);
      await sandbox.settle();
      expect(await audit('/failed/x')).to.have.length(before);
      expect(await audit('/failed/throttled')).to.be.empty;
      expect(await cache('/failed/throttled')).to.be.empty;
      expect(sandbox.deadLetters()).to.be.empty;
    });

    it('stores a SecureString as the ciphertext of that version, which KMS turns back into that value', async () => {
      await put(bob, '/secure/db', 'pw version one', 'SecureString');
      await put(bob, '/secure/db', 'pw version two', 'SecureString');
      await sandbox.settle();
      const records = await audit('/secure/db');
      expect(records.map((record) => record.type)).to.deep.equal(['SecureString', 'SecureString']);
      expect(records.map((record) => record.value)).not.to.include.members(['pw version one', 'pw version two']);
      expect(await clients.decrypt('/secure/db', String(records[0]?.value))).to.equal('pw version one');
      const tables = JSON.stringify(await Promise.all(Object.values(sandbox.tables).map((table) => clients.scan(table))));
      const logs = sandbox.logs().map((entry) => entry.line).join('\n');
      expect(tables + logs).not.to.include('pw version');
    });

    it('never lets a late, older event overwrite newer state in the cache', async () => {
      const late: unknown[] = [];
      const stopCapturing = sandbox.ssm.onWrite((detail) => {
        if (detail.requestParameters?.name === '/late/x' && detail.eventName === 'PutParameter') late.push(detail);
      });
      await put(alice, '/late/x', 'v1');
      stopCapturing();
      await bob.send(new DeleteParameterCommand({ Name: '/late/x' }));
      await sandbox.settle();
      const { toEventBridgeEvent } = await import('../../local/ssm/index.ts');
      sandbox.publishEvent(toEventBridgeEvent(late[0] as Parameters<typeof toEventBridgeEvent>[0]));
      await sandbox.settle();
      const items = await cache('/late/x');
      expect(items).to.have.length(1);
      expect(items[0]?.state).to.equal('DELETED');
      expect((await audit('/late/x')).map((record) => record.action)).to.deep.equal(['PutParameter', 'DeleteParameter']);
    });
  });

  describe('replication', () => {
    it('replicates a source change to every destination, SecureStrings with the replication key', async () => {
      await put(alice, '/src/db/host', 'db-1');
      await put(alice, '/src/db/password', 'p@ss word', 'SecureString');
      await map({ destination: '/app/one/host', source: '/src/db/host', type: 'app' });
      await map({ destination: '/app/two/host', source: '/src/db/host', type: 'app' });
      await map({ destination: '/app/one/password', source: '/src/db/password', type: 'app' });
      await sandbox.settle();
      expect(value('/app/one/password')).to.deep.include({
        type: 'SecureString',
        value: 'p@ss word',
        keyId: 'alias/figgy-replication',
      });
      await put(alice, '/src/db/host', 'db-2');
      await sandbox.settle();
      expect(value('/app/one/host')?.value).to.equal('db-2');
      expect(value('/app/two/host')?.value).to.equal('db-2');
      const versions = value('/app/one/host')?.version;
      await put(alice, '/src/db/host', 'db-2');
      await sandbox.settle();
      expect(value('/app/one/host')?.version, 'equal value and type: no write').to.equal(versions);
    });

    it('merges ${/a}, ${/a:uri} and the string form into a SecureString, and waits for a missing part', async () => {
      await put(alice, '/merge/user', 'svc user');
      await put(alice, '/merge/host', 'h');
      await map({ destination: '/app/merge/list', type: 'merge', source: ['u=', '${/merge/user:uri}', '@${/merge/host}'] });
      await map({ destination: '/app/merge/string', type: 'merge', source: 'jdbc:${/merge/host}:${/merge/port}' });
      await sandbox.settle();
      expect(value('/app/merge/list')).to.deep.include({ type: 'SecureString', value: 'u=svc+user@h' });
      expect(value('/app/merge/string'), 'missing part: nothing written').to.equal(undefined);
      await put(alice, '/merge/port', '5432');
      await sandbox.settle();
      expect(value('/app/merge/string')?.value).to.equal('jdbc:h:5432');
    });

    it('refuses destinations outside the allowed prefixes and mappings that close a cycle', async () => {
      await put(alice, '/cycle/a', 'a');
      await map({ destination: '/outside/x', source: '/cycle/a', type: 'app' });
      await map({ destination: '/app/cycle/b', source: '/app/cycle/c', type: 'app' });
      await map({ destination: '/app/cycle/c', source: '/app/cycle/b', type: 'app' });
      await sandbox.settle();
      expect(value('/outside/x')).to.equal(undefined);
      expect(value('/app/cycle/b')).to.equal(undefined);
      const logs = sandbox.logs().map((entry) => entry.line).join('\n');
      expect(logs).to.include('outside the allowed prefixes').and.include('mapping closes a cycle');
    });

    it('dead-letters a malformed mapping after the stream retries, without blocking the others', async () => {
      await put(alice, '/stream/src', 'v');
      await map({ destination: '/app/stream/bad', type: 'merge', source: 'no references at all' });
      await map({ destination: '/app/stream/good', source: '/stream/src', type: 'app' });
      await sandbox.settle();
      expect(value('/app/stream/good')?.value).to.equal('v');
      const letters = sandbox.deadLetters().filter((letter) => letter.source === 'replication-stream');
      expect(letters).to.have.length(1);
      expect(JSON.stringify(letters[0]?.payload)).to.include('/app/stream/bad').and.not.include('/app/stream/good');
    });

    it('keeps the source index through mapping changes and removal, leaving destinations in place', async () => {
      await put(alice, '/index/a', 'a');
      await put(alice, '/index/b', 'b');
      await map({ destination: '/app/index/x', source: '/index/a', type: 'app' });
      await sandbox.settle();
      await map({ destination: '/app/index/x', source: '/index/b', type: 'app' });
      await sandbox.settle();
      expect(value('/app/index/x')?.value).to.equal('b');
      const rows = async () =>
        (await clients.scan(sandbox.tables.replicationSources))
          .filter((row) => row.destination === '/app/index/x')
          .map((row) => row.source);
      expect(await rows()).to.deep.equal(['/index/b']);
      await clients.documents.send(new DeleteCommand({ TableName: sandbox.tables.replication, Key: { destination: '/app/index/x' } }));
      await sandbox.settle();
      expect(await rows()).to.be.empty;
      expect(value('/app/index/x')?.value).to.equal('b');
    });
  });

  describe('syncers', () => {
    it('the replication syncer repairs drifted destinations', async () => {
      // The pass a deployment's schedule runs soon after the install: what it brings in is the
      // state from before, counted apart from repairs.
      expect(await sandbox.runSchedule('replication-syncer')).to.include({ status: 'finished' });
      await put(alice, '/drift/src', 'truth');
      await map({ destination: '/app/drift/x', source: '/drift/src', type: 'app' });
      await sandbox.settle();
      await put(bob, '/app/drift/x', 'edited by hand');
      await sandbox.settle();
      const outcome = await sandbox.runSchedule('replication-syncer');
      expect(outcome).to.include({ status: 'finished' });
      const report = (outcome as { report: Record<string, number> }).report;
      expect(report.written).to.be.at.least(1);
      expect(value('/app/drift/x')?.value).to.equal('truth');
      // The repair is a metric, in CloudWatch's embedded format, as on AWS: the alarm's total
      // and the kind, each under the deployment and the function.
      const metrics = emitted('replication-syncer', 'SyncRepairs');
      const totals = metrics.filter((line) => line.kind === undefined && line.deployment === 'figgy' && line.service === 'replication-syncer');
      expect(sumOf(totals, 'SyncRepairs')).to.be.at.least(1);
      expect(sumOf(metrics.filter((line) => line.kind === 'destination-rewritten'), 'SyncRepairs')).to.be.at.least(1);
      expect(emitted('replication-syncer', 'SyncInvocations').some((line) => line.status === 'finished')).to.equal(true);
    });

    it('every function emits its events handled and their age as metrics', async () => {
      await put(alice, '/metrics/x', 'v');
      await map({ destination: '/app/metrics/x', source: '/metrics/x', type: 'app' });
      await sandbox.settle();
      for (const fn of ['config-cache-manager', 'parameter-store-auditor', 'parameter-stream-replicator', 'dynamo-stream-replicator'] as const) {
        const handled = emitted(fn, 'EventsHandled');
        expect(handled.length, fn).to.be.greaterThan(0);
        const ages = emitted(fn, 'EventAge').flatMap((line) => valuesOf(line, 'EventAge'));
        expect(ages.length, fn).to.be.greaterThan(0);
        expect(ages.every((age) => Number.isFinite(age) && age >= 0), fn).to.equal(true);
      }
      expect(emitted('parameter-store-auditor', 'AuditRecordsWritten').length).to.be.greaterThan(0);
      expect(emitted('dynamo-stream-replicator', 'DestinationsWritten').some((line) => line.place === 'home')).to.equal(true);

      // A delete is a tombstone; a mapping that breaks the contract, a failed event.
      await bob.send(new DeleteParameterCommand({ Name: '/metrics/x' }));
      await map({ destination: '/app/metrics/bad', source: '/metrics/x', type: 'ap' });
      await sandbox.settle();
      expect(emitted('config-cache-manager', 'CacheTombstonesWritten').length).to.be.greaterThan(0);
      expect(emitted('dynamo-stream-replicator', 'EventsFailed').some((line) => line.reason === 'invalid')).to.equal(true);
    });

    it('the cache syncer restores names the cache lost and tombstones names it still lists as active', async () => {
      await put(alice, '/cachesync/kept', 'v');
      await sandbox.settle();
      const [item] = await cache('/cachesync/kept');
      await clients.documents.send(
        new DeleteCommand({ TableName: sandbox.tables.cache, Key: { parameter_name: '/cachesync/kept', last_updated: item?.last_updated } }),
      );
      await clients.documents.send(
        new PutCommand({
          TableName: sandbox.tables.cache,
          Item: { parameter_name: '/cachesync/ghost', state: 'ACTIVE', last_updated: 1, event_time: 1 },
        }),
      );
      const outcome = await sandbox.runSchedule('config-cache-syncer');
      expect(outcome).to.include({ status: 'finished' });
      const report = (outcome as { report: Record<string, number> }).report;
      expect(report.added).to.be.at.least(1);
      expect(report.tombstoned).to.be.at.least(1);
      expect((await cache('/cachesync/kept'))[0]?.state).to.equal('ACTIVE');
      expect((await cache('/cachesync/ghost'))[0]?.state).to.equal('DELETED');
    });
  });
});
