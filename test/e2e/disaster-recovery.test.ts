/**
 * Disaster-recovery replication end to end, with the built bundles under the IAM the
 * construct grants: mirrors into another region of the home account and into another
 * account through its role, followed by the SDK calls a team makes at home.
 */
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DeleteParametersCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  SSMClient,
  type ParameterType,
} from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { startSandbox, type CloudTrailDetail, type SandboxOptions } from '../../local/index.ts';
import { REPLICA_TAG } from '../../shared/replication/mirror-ownership.ts';
import { REPLICA_WRITERS } from '../../stacks/replica-writer-policies.ts';
import { sandboxProgress } from './support/progress.ts';
import { SandboxClients } from './support/sandbox-clients.ts';

const HOME_ACCOUNT = '123456789012';
const DR = '210987654321';
const ROLE = `arn:aws:iam::${DR}:role/figgy-replica-writer`;
const DR_KEY = `arn:aws:kms:us-east-1:${DR}:key/figgy-dr`;
const FRANKFURT = { region: 'eu-central-1', account: HOME_ACCOUNT };
const VIRGINIA = { region: 'us-east-1', account: DR };
const arn = (place: { region: string; account: string }, path: string) => `arn:aws:ssm:${place.region}:${place.account}:parameter${path}`;
// Prefixes as the construct normalises them: the sandbox hands its targets to the functions'
// IAM as given, and a trailing "/" there would grant parameter/dr//* rather than parameter/dr/*.
const TARGETS: SandboxOptions['replicaTargets'] = [
  { region: 'eu-central-1', destinationPrefixes: ['/dr'] },
  { region: 'us-east-1', accountId: DR, roleArn: ROLE, kmsKeyArn: DR_KEY, destinationPrefixes: ['/dr'] },
];

async function drSandbox(options: Pick<SandboxOptions, 'faults' | 'functions'> = {}) {
  const sandbox = await startSandbox({ replicaTargets: TARGETS, destinationPrefixes: ['/app/'], seed: 11, ...options });
  const clients = new SandboxClients(sandbox);
  const alice = clients.ssmAs('alice');
  const put = (name: string, value: string, type: ParameterType = 'String', extra: Record<string, unknown> = {}) =>
    // SSM takes tags only when creating a parameter, not with Overwrite.
    alice.send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: extra.Tags === undefined, ...extra }));
  const map = (item: Record<string, unknown>) => clients.documents.send(new PutCommand({ TableName: sandbox.tables.replication, Item: item }));
  const replicas = (place: { region: string; account: string }, prefix = '/dr/') =>
    sandbox.ssm.snapshot(place).filter((parameter) => parameter.name.startsWith(prefix));
  return { sandbox, clients, alice, put, map, replicas };
}

describe('disaster-recovery replication (end to end, built bundles)', function () {
  this.timeout(240_000);
  let dr: Awaited<ReturnType<typeof drSandbox>>;
  const trail: CloudTrailDetail[] = [];

  before(async () => {
    dr = await drSandbox();
    dr.sandbox.ssm.onWrite((detail) => {
      trail.push(detail);
    });
  });
  after(() => dr?.sandbox.stop());

  it('mirrors a prefix into another region through create, update, type change, tag change, delete and DeleteParameters', async () => {
    const { sandbox, alice, put, map, replicas } = dr;
    await put('/prod/db/host', 'db-1', 'String', { Description: 'primary', Tags: [{ Key: 'team', Value: 'core' }] });
    await map({ destination: arn(FRANKFURT, '/dr/prod/'), source: '/prod/', type: 'mirror' });
    await sandbox.settle();
    // The stream replicator made the first copy of what was already there.
    expect(replicas(FRANKFURT).map((p) => [p.name, p.value, p.description])).to.deep.equal([['/dr/prod/db/host', 'db-1', 'primary']]);

    await put('/prod/db/port', '5432');
    await put('/prod/db/host', 'db-2');
    await put('/prod/db/port', 'secret-port', 'SecureString');
    await alice.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/prod/db/port', Tags: [{ Key: 'tier', Value: 'gold' }] }));
    // A tag change raises no event; the next change of the parameter carries it.
    await put('/prod/db/port', 'secret-port-2', 'SecureString');
    await sandbox.settle();
    const frankfurt = new SSMClient({ endpoint: sandbox.endpoints.ssm, region: 'eu-central-1', credentials: sandbox.credentialsFor(HOME_ACCOUNT) });
    expect(replicas(FRANKFURT).map((p) => [p.name, p.type, p.value])).to.deep.equal([
      ['/dr/prod/db/host', 'String', 'db-2'],
      ['/dr/prod/db/port', 'SecureString', 'secret-port-2'],
    ]);
    const tags = await frankfurt.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/dr/prod/db/port' }));
    expect(tags.TagList).to.have.deep.members([
      { Key: 'tier', Value: 'gold' },
      { Key: REPLICA_TAG, Value: '/prod/ in eu-west-1 123456789012 to /dr/prod/' },
    ]);

    await put('/prod/a', 'a');
    await put('/prod/b', 'b');
    await sandbox.settle();
    await alice.send(new DeleteParameterCommand({ Name: '/prod/db/host' }));
    await alice.send(new DeleteParametersCommand({ Names: ['/prod/a', '/prod/b'] }));
    await sandbox.settle();
    expect(replicas(FRANKFURT).map((p) => p.name)).to.deep.equal(['/dr/prod/db/port']);
    expect(sandbox.deadLetters()).to.deep.equal([]);
    frankfurt.destroy();
  });

  it("writes a cross-account mirror through the target's role, SecureStrings with the target's key", async () => {
    const { sandbox, put, map, replicas } = dr;
    await put('/vault/api-key', 's3cr3t', 'SecureString');
    await map({ destination: arn(VIRGINIA, '/dr/vault/'), source: '/vault/', type: 'mirror' });
    await sandbox.settle();
    expect(replicas(VIRGINIA).map((p) => [p.name, p.type, p.value, p.keyId])).to.deep.equal([
      ['/dr/vault/api-key', 'SecureString', 's3cr3t', DR_KEY],
    ]);
    // Every write in the target account is made through the target's role, in a session named
    // for one of the functions its trust policy names. Which of them writes depends on timing,
    // not on the design: a new mirror's copy is the stream replicator's, or the syncer's when
    // the copy outlasts the invocation or the syncer holds the job, and the parameter's own
    // event, when handled after the mapping was indexed, replicates it too.
    const inTarget = trail.filter((record) => record.recipientAccountId === DR);
    for (const { eventName, userIdentity } of inTarget) {
      expect(userIdentity.sessionContext.sessionIssuer.arn, `${eventName} by ${userIdentity.arn}`).to.equal(ROLE);
      expect(userIdentity.arn.split('/').pop(), `${eventName} by ${userIdentity.arn}`).to.be.oneOf(REPLICA_WRITERS);
    }
    const replicaWrites = inTarget.filter(
      (record) => record.eventName === 'PutParameter' && record.errorCode === undefined && record.requestParameters?.name === '/dr/vault/api-key',
    );
    expect(replicaWrites).to.not.be.empty;
    // Plaintext never reaches a table or a log line.
    expect(JSON.stringify(sandbox.logs())).to.not.include('s3cr3t');
  });

  it('leaves SecureString replicas alone whatever form Parameter Store reports their key in', async () => {
    const { sandbox, put, map, replicas } = dr;
    await put('/keys/token', 't0ken', 'SecureString');
    await map({ destination: arn(VIRGINIA, '/dr/keys/'), source: '/keys/', type: 'mirror' });
    await map({ destination: arn(FRANKFURT, '/dr/keys/'), source: '/keys/', type: 'mirror' });
    await sandbox.settle();
    const versions = () => [...replicas(VIRGINIA, '/dr/keys/'), ...replicas(FRANKFURT, '/dr/keys/')].map((p) => [p.name, p.version]);
    const before = versions();
    expect(before).to.have.length(2);
    for (const keyIdForm of ['alias', 'key-id', 'arn', 'as-written'] as const) {
      sandbox.ssm.setFaults({ keyIdForm });
      await sandbox.runSchedule('replication-syncer');
      expect(versions(), keyIdForm).to.deep.equal(before);
    }
    expect(sandbox.deadLetters()).to.deep.equal([]);
  });

  it('refuses a destination in a place that is not a target, saying to set replicaTargets', async () => {
    const { sandbox, put, map } = dr;
    await put('/prod/db/user', 'app');
    const destination = arn({ region: 'ap-south-1', account: DR }, '/dr/prod/db/user');
    await map({ destination, source: '/prod/db/user', type: 'app' });
    await sandbox.settle();
    const refusals = sandbox.logs().filter(({ line }) => line.includes('replication refused') && line.includes(destination));
    expect(refusals).to.not.be.empty;
    expect(refusals[0]?.line).to.include('is not a replica target of this deployment').and.include('replicaTargets');
    expect(sandbox.ssm.snapshot({ region: 'ap-south-1', account: DR })).to.deep.equal([]);
    expect(sandbox.deadLetters()).to.deep.equal([]);
  });

  it('has the syncer restore a replica deleted or edited by hand, and its tags, and leave what it never wrote', async () => {
    const { sandbox, map, put, replicas } = dr;
    await put('/ops/flag', 'on', 'String', { Tags: [{ Key: 'owner', Value: 'ops' }] });
    await put('/ops/limit', '10');
    await map({ destination: arn(FRANKFURT, '/dr/ops/'), source: '/ops/', type: 'mirror' });
    await sandbox.settle();
    const frankfurt = new SSMClient({ endpoint: sandbox.endpoints.ssm, region: 'eu-central-1', credentials: sandbox.credentialsFor(HOME_ACCOUNT) });
    await frankfurt.send(new DeleteParameterCommand({ Name: '/dr/ops/flag' }));
    await frankfurt.send(new PutParameterCommand({ Name: '/dr/ops/limit', Value: '99', Type: 'String', Overwrite: true }));
    await frankfurt.send(new PutParameterCommand({ Name: '/dr/ops/stray', Value: 'x', Type: 'String' }));
    await sandbox.runSchedule('replication-syncer');
    expect(replicas(FRANKFURT, '/dr/ops/').map((p) => [p.name, p.value])).to.deep.equal([
      ['/dr/ops/flag', 'on'],
      ['/dr/ops/limit', '10'],
      ['/dr/ops/stray', 'x'],
    ]);
    await frankfurt.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: '/dr/ops/flag', TagKeys: ['owner'] }));
    await sandbox.runSchedule('replication-syncer');
    const tags = await frankfurt.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/dr/ops/flag' }));
    expect(tags.TagList).to.have.deep.members([
      { Key: 'owner', Value: 'ops' },
      { Key: REPLICA_TAG, Value: '/ops/ in eu-west-1 123456789012 to /dr/ops/' },
    ]);
    expect(sandbox.deadLetters()).to.deep.equal([]);
    frankfurt.destroy();
  });
});

describe('disaster-recovery replication under faults (end to end, built bundles)', function () {
  this.timeout(300_000);

  // Lambda's timeout is this machine's wall clock here, and the sandbox runs a function's
  // concurrent invocations in one worker, sharing its SDK clients: under 20 % throttling their
  // adaptive retry slows a client to as little as half a call a second for all of them at once,
  // which a busy machine stretches past 30 s (on Lambda each invocation has an environment of
  // its own). What is tested here is throttling and delivery, not the timeout: Lambda's longest.
  const replicators = { timeoutSeconds: 900 };

  /** Puts, updates and deletes under /prod/, then what a mirror of it must hold. */
  const run = async (label: string, faults: SandboxOptions['faults']) => {
    const dr = await drSandbox({ faults, functions: { 'parameter-stream-replicator': replicators, 'dynamo-stream-replicator': replicators } });
    const progress = sandboxProgress(label, dr.sandbox);
    try {
      const { sandbox, alice, put, map, replicas } = dr;
      await map({ destination: arn(FRANKFURT, '/dr/prod/'), source: '/prod/', type: 'mirror' });
      await map({ destination: arn(VIRGINIA, '/dr/prod/'), source: '/prod/', type: 'mirror' });
      await sandbox.settle();
      for (let round = 1; round <= 3; round++) {
        for (let index = 0; index < 12; index++) {
          await put(`/prod/p${index}`, `r${round} #${index}`, index % 3 === 0 ? 'SecureString' : 'String');
        }
      }
      await alice.send(new DeleteParametersCommand({ Names: ['/prod/p0', '/prod/p1', '/prod/p2'] }));
      await alice.send(new DeleteParameterCommand({ Name: '/prod/p3' }));
      progress.stage('36 puts and 4 deletes under /prod/ made, settling the two mirrors');
      await sandbox.settle();
      progress.stage('settled');
      const state = (place: { region: string; account: string }) => replicas(place).map((p) => `${p.name} ${p.type} ${p.value}`);
      return { frankfurt: state(FRANKFURT), virginia: state(VIRGINIA), deadLetters: sandbox.deadLetters() };
    } finally {
      progress.stop();
      await dr.sandbox.stop();
    }
  };

  it('loses nothing under 20 % throttling in the target region, and converges under duplicate and shuffled delivery', async () => {
    const expected = Array.from({ length: 8 }, (_, offset) => offset + 4).map(
      (index) => `/dr/prod/p${index} ${index % 3 === 0 ? 'SecureString' : 'String'} r3 #${index}`,
    ).sort();
    const throttled = await run('20% throttled in both target regions', { ssmThrottleRate: 0.2, ssmThrottleRegions: ['eu-central-1', 'us-east-1'] });
    expect(throttled.frankfurt).to.deep.equal(expected);
    expect(throttled.virginia).to.deep.equal(expected);
    expect(throttled.deadLetters).to.deep.equal([]);
    const shuffled = await run('delivered three times, shuffled', { duplicateDelivery: 3, shuffleDelivery: true });
    expect(shuffled.frankfurt).to.deep.equal(expected);
    expect(shuffled.virginia).to.deep.equal(expected);
    expect(shuffled.deadLetters).to.deep.equal([]);
  });
});
