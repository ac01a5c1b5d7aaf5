/**
 * Long work end to end, with the built bundles and short Lambda timeouts: a mirror's first
 * copy larger than the stream replicator's invocation continues in the replication syncer,
 * and a repair pass spans invocations, each continuing behind its checkpoint.
 */
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { mapBounded } from '../../shared/concurrency.ts';
import { startSandbox, type Sandbox } from '../../local/index.ts';
import { SandboxClients } from './support/sandbox-clients.ts';

const HOME_ACCOUNT = '123456789012';
const PACE = 10;
/**
 * Reads are paced too: at the default 10 calls a second a chunk of 50 replicas (a listing page,
 * values, metadata and each one's tags: about 60 calls) would take longer than these short
 * timeouts; at 200 it takes a fraction of a second, and the writes' pace is what is checked.
 */
const READ_PACE = 200;
const SIZE = 60;

type Outcome = { status: string; invocations?: number; report?: Record<string, number> };
/** A `bulk call paced` log line: the turn a paced call was given. */
type PacedCall = { message: string; parameter_name?: string; place: string; calls: 'reads' | 'writes'; turn_at: number };

describe('work that spans invocations (end to end, built bundles)', function () {
  this.timeout(240_000);
  let sandbox: Sandbox;
  let clients: SandboxClients;

  before(async () => {
    sandbox = await startSandbox({
      // At DEBUG the functions log each paced call's turn, where the pace is decided.
      logLevel: 'DEBUG',
      destinationPrefixes: ['/app/'],
      replicaTargets: [{ region: 'eu-central-1', destinationPrefixes: ['/dr'], bulkWritesPerSecond: PACE, bulkReadsPerSecond: READ_PACE }],
      bulkReadsPerSecond: READ_PACE,
      // Four seconds leave two to copy in (a quarter, at least two, is kept back to save); the
      // syncer's six leave it four, less than the 60 writes at 10 a second take.
      functions: { 'dynamo-stream-replicator': { timeoutSeconds: 4 }, 'replication-syncer': { timeoutSeconds: 6 } },
    });
    clients = new SandboxClients(sandbox);
    const alice = clients.ssmAs('alice');
    await mapBounded(Array.from({ length: SIZE }, (_, i) => i), 8, (i) =>
      alice.send(new PutParameterCommand({ Name: `/team/p${String(i).padStart(3, '0')}`, Value: `v${i}`, Type: 'String' })),
    );
    await sandbox.settle();
  });
  after(() => sandbox?.stop());

  const replicas = () => sandbox.ssm.snapshot({ region: 'eu-central-1' }).filter((parameter) => parameter.name.startsWith('/dr/team/'));
  const puts = () => sandbox.ssm.callCounts().PutParameter ?? 0;
  /** The turns the functions' pacers gave their bulk calls, as logged from log line `from` on. */
  const turns = (from: number) =>
    sandbox
      .logs()
      .slice(from)
      .filter(({ line }) => line.startsWith('{'))
      .map(({ line }) => JSON.parse(line) as PacedCall)
      .filter((call) => call.message === 'bulk call paced');

  it('refuses a read pace the construct would refuse, naming the option', async () => {
    for (const rate of [0, 1001]) {
      await startSandbox({ bulkReadsPerSecond: rate }).then(
        () => expect.fail(`a pace of ${rate} was taken`),
        (error: unknown) => expect(String(error)).to.match(/startSandbox option bulkReadsPerSecond is \d+, not a number of reads per second/),
      );
    }
  });

  it('finishes a first copy its stream record had no time for in the syncer, writing each replica once, at the pace', async () => {
    const before = puts();
    const logged = sandbox.logs().length;
    const destination = `arn:aws:ssm:eu-central-1:${HOME_ACCOUNT}:parameter/dr/team/`;
    await clients.documents.send(new PutCommand({ TableName: sandbox.tables.replication, Item: { destination, source: '/team/', type: 'mirror' } }));
    await sandbox.settle();
    const copiedAtOnce = replicas().length;
    expect(copiedAtOnce).to.be.above(0).and.below(SIZE);

    let invocations = 0;
    for (let outcome: Outcome = { status: 'continuing' }; outcome.status !== 'idle'; invocations++) {
      outcome = (await sandbox.continueSchedule('replication-syncer')) as Outcome;
    }
    expect(invocations).to.be.above(1);
    expect(replicas().map((replica) => replica.value).sort()).to.deep.equal(Array.from({ length: SIZE }, (_, i) => `v${i}`).sort());
    // Never begun again: one PutParameter per replica, across the three functions' invocations.
    expect(puts() - before).to.equal(SIZE);
    // The pace is the turns it gives, across every invocation of both functions: one write
    // turn per replica, each at least 1/PACE s after the one before. When each write then
    // reaches SSM is later by however busy the machine is (two writes may land closer
    // together than their turns), but never before its turn: Node's timers count whole
    // milliseconds of another clock than Date's, so one may fire within the millisecond before.
    const writes = turns(logged).filter((call) => call.calls === 'writes' && call.place === `eu-central-1/${HOME_ACCOUNT}`);
    expect(writes.map((call) => call.parameter_name).sort()).to.deep.equal(replicas().map((replica) => replica.name));
    const starts = writes.map((call) => call.turn_at).sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) expect((starts[i] as number) - (starts[i - 1] as number), `turn ${i}`).to.be.at.least(1000 / PACE);
    const turnOf = new Map(writes.map((call) => [call.parameter_name, call.turn_at]));
    for (const replica of replicas()) expect(replica.lastModifiedDate.getTime(), replica.name).to.be.at.least((turnOf.get(replica.name) as number) - 1);
  });

  it('loads what existed before the deployment without events, and still sees what is written after', async () => {
    const alice = clients.ssmAs('alice');
    const map = (destination: string) =>
      clients.documents.send(new PutCommand({ TableName: sandbox.tables.replication, Item: { destination, source: '/pre/db', type: 'app' } }));
    await sandbox.beforeDeployment(async () => {
      await alice.send(new PutParameterCommand({ Name: '/pre/db', Value: 'existing', Type: 'String' }));
      await map('/app/pre/db');
    });
    await sandbox.settle();
    const names = () => sandbox.ssm.snapshot().map((parameter) => parameter.name);
    expect((await clients.scan(sandbox.tables.cache)).map((item) => item.parameter_name)).to.not.include('/pre/db');
    expect(names()).to.not.include('/app/pre/db');
    await map('/app/post/db');
    await sandbox.settle();
    expect(names()).to.include('/app/post/db');
    expect(await sandbox.runSchedule('replication-syncer')).to.deep.include({ status: 'finished' });
    expect(names()).to.include('/app/pre/db');
  });

  it('repairs the whole mirror in a pass that spans invocations', async () => {
    const dr = new SSMClient({ endpoint: sandbox.endpoints.ssm, region: 'eu-central-1', credentials: sandbox.credentialsFor(HOME_ACCOUNT) });
    await mapBounded(replicas(), 4, (replica) => dr.send(new PutParameterCommand({ Name: replica.name, Value: 'edited by hand', Type: 'String', Overwrite: true })));
    const outcome = (await sandbox.runSchedule('replication-syncer')) as Outcome;
    expect(outcome.status).to.equal('finished');
    expect(outcome.invocations).to.be.above(1);
    expect(outcome.report).to.deep.include({ mirrors: 1, written: SIZE });
    expect(replicas().every((replica) => replica.value.startsWith('v'))).to.be.true;
  });
});
