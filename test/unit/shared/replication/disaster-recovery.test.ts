import { expect } from 'chai';
import { ConfigurationError, parsePrefixes, replicaTargets } from '../../../../shared/config.ts';
import { parseSsmEvent } from '../../../../shared/events/cloudtrail.ts';
import { ValidationError } from '../../../../shared/events/validation.ts';
import { WriteRefusedError } from '../../../../shared/replication/errors.ts';
import { parseMapping, readStoredMapping } from '../../../../shared/replication/mapping.ts';
import type { ReplicaTarget } from '../../../../shared/replication/replica-targets.ts';
import { ReplicationSyncer } from '../../../../shared/replication/replication-syncer.ts';
import { Replicator } from '../../../../shared/replication/replicator.ts';
import { REPLICA_TAG } from '../../../../shared/replication/mirror-ownership.ts';
import { MAX_MERGE_REFERENCES } from '../../../../shared/replication/rules.ts';
import { putEvent } from '../../support/events.ts';
import { instantPacing } from '../../support/instant-pacing.ts';
import { InMemoryMappings, InMemoryParameterStore, InMemoryPlaces, InMemorySourceIndex, RecordingLog } from '../../support/in-memory.ts';

const HOME = { region: 'eu-west-1', account: '123456789012' };
const DR = { region: 'eu-central-1', account: '210987654321' };
const DR_KEY = 'arn:aws:kms:eu-central-1:210987654321:key/dr';
const TARGETS: ReplicaTarget[] = [
  { region: 'eu-central-1', accountId: DR.account, roleArn: 'arn:aws:iam::210987654321:role/figgy-replica-writer', kmsKeyArn: DR_KEY, destinationPrefixes: ['/dr'] },
  { region: 'us-east-1', destinationPrefixes: ['/dr'] },
];
const arn = (place: { region: string; account: string }, path: string) => `arn:aws:ssm:${place.region}:${place.account}:parameter${path}`;

function setup(targets: ReplicaTarget[] = TARGETS) {
  const parameters = new InMemoryParameterStore();
  const places = new InMemoryPlaces(HOME, parameters);
  const mappings = new InMemoryMappings();
  const sourceIndex = new InMemorySourceIndex();
  const log = new RecordingLog();
  const deps = {
    parameters,
    places,
    mappings,
    sourceIndex,
    log,
    pacing: instantPacing,
    settings: {
      destinationPrefixes: parsePrefixes('/app', 'REPLICATION_DESTINATION_PREFIXES'),
      kmsKeyId: 'alias/replication',
      replicaTargets: targets,
    },
  };
  const replicator = new Replicator(deps);
  const dr = places.parametersIn(DR);
  const map = async (item: Record<string, unknown>) => {
    mappings.set(item);
    return replicator.onMappingChanged(readStoredMapping(item), undefined);
  };
  const changed = async (name: string, kind: 'put' | 'delete' = 'put') => {
    const [change] = parseSsmEvent(putEvent({ name, version: parameters.current(name)?.version ?? 1 }));
    return replicator.onParameterChanged(kind === 'put' ? change! : { ...change!, kind: 'delete', action: 'DeleteParameter' });
  };
  const syncer = () => new ReplicationSyncer(deps);
  return { parameters, places, dr, mappings, sourceIndex, log, replicator, map, changed, syncer };
}

describe('disaster-recovery replication', () => {
  describe('the contract', () => {
    it('reads an ARN destination as a name in its region and account, and a plain one as home', () => {
      expect(parseMapping({ destination: arn(DR, '/dr/db'), source: '/app/db', type: 'app' }).target).to.deep.equal({
        name: '/dr/db',
        arn: { partition: 'aws', region: DR.region, account: DR.account },
      });
      expect(parseMapping({ destination: 'db', source: '/a', type: 'app' })).to.deep.include({ destination: '/db', target: { name: '/db' } });
    });

    it('reads a mirror with its keep_deleted attribute, and names the field of a broken one', () => {
      expect(parseMapping({ destination: arn(DR, '/dr/app/'), source: '/app/', type: 'mirror', keep_deleted: true })).to.deep.include({
        type: 'mirror',
        source: '/app/',
        keepDeleted: true,
      });
      expect(() => parseMapping({ destination: '/dr/', source: '/app', type: 'mirror' })).to.throw(ValidationError, 'source (mapping of /dr/): "/app" is not a prefix');
      expect(() => parseMapping({ destination: '/dr', source: '/app/', type: 'mirror' })).to.throw(ValidationError, 'is not a prefix');
      expect(() => parseMapping({ destination: '/dr/', source: '/app/', type: 'mirror', keep_deleted: 'yes' }))
        .to.throw(ValidationError)
        .with.property('field', 'keep_deleted (mapping of /dr/)');
      expect(() => parseMapping({ destination: 'arn:aws:ssm:eu-central-1:1:parameter/x', source: '/a', type: 'app' }))
        .to.throw(ValidationError)
        .with.property('field', 'destination');
    });

    it('parses REPLICATION_REPLICA_TARGETS once, and names the variable and field of a bad one', () => {
      const env = (value: string) => ({ REPLICATION_REPLICA_TARGETS: value });
      expect(replicaTargets({})).to.deep.equal([]);
      expect(replicaTargets(env('[{"region":"eu-central-1","destinationPrefixes":["/dr/"]}]'))).to.deep.equal([
        { region: 'eu-central-1', destinationPrefixes: ['/dr'] },
      ]);
      expect(() => replicaTargets(env('{'))).to.throw(ConfigurationError, 'REPLICATION_REPLICA_TARGETS is not JSON');
      expect(() => replicaTargets(env('[{"region":"eu-central-1","accountId":"12","destinationPrefixes":["/dr"]}]'))).to.throw(
        ConfigurationError,
        'REPLICATION_REPLICA_TARGETS [0].accountId is "12"',
      );
      expect(() => replicaTargets(env('[{"region":"eu-central-1","destinationPrefixes":["/"]}]'))).to.throw(
        ConfigurationError,
        '[0].destinationPrefixes includes "/"',
      );
    });

    it('refuses at start a target in another account without a role, which the construct could not see at synth without an account id', () => {
      const target = '[{"region":"us-east-1","accountId":"210987654321","destinationPrefixes":["/dr"]}]';
      const env = { REPLICATION_REPLICA_TARGETS: target, REPLICATION_HOME_ACCOUNT_ID: '123456789012' };
      expect(() => replicaTargets(env)).to.throw(ConfigurationError, '[0].roleArn is required: account 210987654321 is not this deployment\'s');
      expect(replicaTargets({ ...env, REPLICATION_HOME_ACCOUNT_ID: '210987654321' })).to.deep.equal([
        { region: 'us-east-1', accountId: '210987654321', destinationPrefixes: ['/dr'] },
      ]);
    });
  });

  describe('the rule', () => {
    it('refuses a destination in a place that is not a target, naming the prop replicaTargets, before reading', async () => {
      const { parameters, map } = setup();
      parameters.put('/app/db', 'v');
      const outcome = await map({ destination: arn({ region: 'ap-south-1', account: DR.account }, '/dr/db'), source: '/app/db', type: 'app' });
      expect(outcome).to.deep.include({ result: 'refused' });
      expect(outcome?.reason).to.include('ap-south-1/210987654321, which is not a replica target').and.include('replicaTargets');
      expect(parameters.calls.of('GetParameters')).to.equal(0);
    });

    it('refuses an ARN destination when no target is configured, and one naming home', async () => {
      expect((await setup([]).map({ destination: arn(DR, '/dr/db'), source: '/app/db', type: 'app' }))?.reason).to.include('replicaTargets');
      expect((await setup().map({ destination: arn(HOME, '/app/db2'), source: '/app/db', type: 'app' }))?.reason).to.include(
        "this deployment's own region and account: write the plain name /app/db2",
      );
    });

    it("refuses a destination outside the target's prefixes", async () => {
      const outcome = await setup().map({ destination: arn(DR, '/prod/db'), source: '/app/db', type: 'app' });
      expect(outcome?.reason).to.include('outside the prefixes of replica target eu-central-1/210987654321: /dr');
    });

    it("writes an app destination in its place with the target's key, never the home key", async () => {
      const { parameters, dr, map, changed } = setup();
      parameters.put('/app/secret', 'pw', 'SecureString');
      expect((await map({ destination: arn(DR, '/dr/secret'), source: '/app/secret', type: 'app' }))?.result).to.equal('written');
      expect(dr.writes).to.deep.equal([{ name: '/dr/secret', type: 'SecureString', value: 'pw', keyId: DR_KEY }]);
      parameters.put('/app/secret', 'pw2', 'SecureString');
      await changed('/app/secret');
      expect(dr.current('/dr/secret')?.value).to.equal('pw2');
      expect(parameters.current('/dr/secret')).to.equal(undefined);
    });

    it('writes a SecureString in a target without a key with that place default key', async () => {
      const { parameters, places, map } = setup();
      parameters.put('/app/secret', 'pw', 'SecureString');
      await map({ destination: arn({ region: 'us-east-1', account: HOME.account }, '/dr/secret'), source: '/app/secret', type: 'app' });
      const east = places.parametersIn({ region: 'us-east-1', account: HOME.account });
      expect(east.writes[0]?.keyId).to.equal(undefined);
      expect(east.current('/dr/secret')?.keyId).to.equal('alias/aws/ssm');
    });

    it('refuses a mirror of a prefix into itself or overlapping it', async () => {
      const { map } = setup();
      expect((await map({ destination: '/app/', source: '/app/', type: 'mirror' }))?.reason).to.include('overlaps its own source');
      expect((await map({ destination: '/app/copy/', source: '/app/', type: 'mirror' }))?.reason).to.include('overlaps its own source');
    });

    it('refuses a cycle through mirrors, and a mapping that closes one through a mirror', async () => {
      const { parameters, map } = setup();
      parameters.put('/app/a/x', 'v');
      expect((await map({ destination: '/app/b/', source: '/app/a/', type: 'mirror' }))?.result).to.equal('written');
      // /app/a/x -> /app/b/x through the mirror, and back by an app mapping.
      const back = await map({ destination: '/app/a/x', source: '/app/b/x', type: 'app' });
      expect(back?.reason).to.include('mapping closes a cycle: /app/a/x <- /app/b/x <- /app/a/x');
      // A second mirror copying the first one's replicas back under its source.
      const ring = await map({ destination: '/app/a/back/', source: '/app/b/', type: 'mirror' });
      expect(ring?.reason).to.include('mapping closes a cycle');
      expect(parameters.current('/app/a/back/x')).to.equal(undefined);
    });

    it('refuses an AMI id (aws:ec2:image) into another region, and says why', async () => {
      const { parameters, dr, map } = setup();
      parameters.put('/app/ami', 'ami-0123456789abcdef0', 'String', undefined, { dataType: 'aws:ec2:image' });
      parameters.put('/app/name', 'web');
      const outcome = await map({ destination: arn(DR, '/dr/app/'), source: '/app/', type: 'mirror' });
      expect(outcome?.replicas).to.deep.equal({ written: 1, deleted: 0, inSync: 0, refused: 1, failed: 0 });
      expect(dr.current('/dr/app/ami')).to.equal(undefined);
      expect(dr.current('/dr/app/name')?.value).to.equal('web');
    });

    it("reports a write SSM refuses for what it is as refused with SSM's reason, not as a failure to retry", async () => {
      const { parameters, dr, map } = setup();
      dr.write = () => Promise.reject(new WriteRefusedError('/dr/big', 'ParameterLimitExceeded', 'too many advanced parameters'));
      parameters.put('/app/big', 'x'.repeat(5000), 'String', undefined, { tier: 'Advanced' });
      const outcome = await map({ destination: arn(DR, '/dr/big'), source: '/app/big', type: 'app' });
      expect(outcome).to.deep.include({ result: 'refused' });
      expect(outcome?.reason).to.include('ParameterLimitExceeded');
    });
  });

  describe('mirrors', () => {
    it('copies value, type, description, tier, data type, allowed pattern and tags, and the first copy is the stream\'s', async () => {
      const { parameters, dr, map } = setup();
      parameters.put('/app/db/host', 'db-1', 'String', undefined, { description: 'the host', allowedPattern: '^db-.*', tags: { team: 'core' } });
      parameters.put('/app/db/password', 'pw', 'SecureString', undefined, { tier: 'Advanced' });
      await map({ destination: arn(DR, '/dr/app/'), source: '/app/', type: 'mirror' });
      expect(dr.current('/dr/app/db/host')?.value).to.equal('db-1');
      expect(dr.meta('/dr/app/db/host')).to.deep.include({ description: 'the host', allowedPattern: '^db-.*', tags: { team: 'core', [REPLICA_TAG]: '/app/ in eu-west-1 123456789012 to /dr/app/' }, tier: 'Standard' });
      expect(dr.current('/dr/app/db/password')).to.deep.include({ type: 'SecureString', value: 'pw', keyId: DR_KEY });
      expect(dr.meta('/dr/app/db/password')?.tier).to.equal('Advanced');
    });

    it('compares a replica\'s key as KMS names it, so a key SSM reports by alias or id is the configured ARN', async () => {
      for (const reported of ['alias/dr-replicas', 'dr', DR_KEY]) {
        const { parameters, dr, map, syncer } = setup();
        dr.keyArns = { 'alias/dr-replicas': DR_KEY, dr: DR_KEY };
        parameters.put('/app/db/password', 'pw', 'SecureString');
        await map({ destination: arn(DR, '/dr/app/'), source: '/app/', type: 'mirror' });
        // Parameter Store reports the replica's key in another form than the one configured.
        dr.put('/dr/app/db/password', 'pw', 'SecureString', reported);
        const written = dr.writes.length;
        const report = await syncer().sync();
        expect(dr.writes.length, reported).to.equal(written);
        expect(report, reported).to.deep.include({ failed: 0 });
        // Another key is another key, however it is spelt.
        dr.put('/dr/app/db/password', 'pw', 'SecureString', 'alias/someone-elses');
        await syncer().sync();
        expect(dr.current('/dr/app/db/password')?.keyId, reported).to.equal(DR_KEY);
      }
    });

    it('at home too: a configured alias is the key SSM reports by its ARN', async () => {
      const HOME_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/replication';
      const { parameters, map, syncer } = setup();
      parameters.keyArns = { 'alias/replication': HOME_KEY };
      parameters.put('/app/src/password', 'pw', 'SecureString');
      await map({ destination: '/app/copy/', source: '/app/src/', type: 'mirror' });
      parameters.put('/app/copy/password', 'pw', 'SecureString', HOME_KEY);
      const written = parameters.writes.length;
      await syncer().sync();
      expect(parameters.writes.length).to.equal(written);
    });

    it('follows create, update, type change, tag change and delete at a bounded cost', async () => {
      const { parameters, dr, sourceIndex, mappings, map, changed } = setup();
      await map({ destination: arn(DR, '/dr/app/'), source: '/app/', type: 'mirror' });
      for (let index = 0; index < 50; index++) {
        await map({ destination: `/app/copies/${index}`, source: `/other/${index}`, type: 'app' });
      }
      parameters.put('/app/orders/url', 'v1');
      const queries = sourceIndex.calls.of('Query');
      const gets = mappings.calls.of('GetItem');
      await changed('/app/orders/url');
      expect(dr.current('/dr/app/orders/url')?.value).to.equal('v1');
      // The name and its three ancestors, whatever the number of mappings; the mirror's item,
      // and the mirrors that could be upstream of it (its source's ancestors).
      expect(sourceIndex.calls.of('Query') - queries).to.equal(4);
      expect(mappings.calls.of('GetItem') - gets).to.be.at.most(3);

      parameters.put('/app/orders/url', 'v2', 'SecureString');
      await changed('/app/orders/url');
      expect(dr.current('/dr/app/orders/url')).to.deep.include({ type: 'SecureString', value: 'v2' });

      await parameters.retag('/app/orders/url', { owner: 'orders' }, []);
      parameters.put('/app/orders/url', 'v2', 'SecureString');
      await changed('/app/orders/url');
      expect(dr.meta('/dr/app/orders/url')?.tags).to.deep.equal({ owner: 'orders', [REPLICA_TAG]: '/app/ in eu-west-1 123456789012 to /dr/app/' });

      parameters.delete('/app/orders/url');
      await changed('/app/orders/url', 'delete');
      expect(dr.current('/dr/app/orders/url')).to.equal(undefined);
    });

    it('keeps deleted replicas with keep_deleted', async () => {
      const { parameters, dr, map, changed, syncer } = setup();
      parameters.put('/app/x', 'v');
      await map({ destination: arn(DR, '/dr/app/'), source: '/app/', type: 'mirror', keep_deleted: true });
      parameters.delete('/app/x');
      await changed('/app/x', 'delete');
      await syncer().sync();
      expect(dr.current('/dr/app/x')?.value).to.equal('v');
    });

    it('has the syncer repair a replica edited or deleted by hand, a lost delete and changed tags', async () => {
      const { parameters, dr, map, syncer } = setup();
      for (const name of ['a', 'b', 'c', 'd']) parameters.put(`/app/${name}`, name, 'String', undefined, { tags: { k: name } });
      await map({ destination: arn(DR, '/dr/app/'), source: '/app/', type: 'mirror' });
      dr.put('/dr/app/a', 'edited by hand');
      dr.delete('/dr/app/b');
      parameters.delete('/app/c');
      await dr.retag('/dr/app/d', { extra: '1' }, ['k']);
      const report = await syncer().sync();
      expect(report).to.deep.include({ mirrors: 1, written: 3, deleted: 1 });
      expect(dr.current('/dr/app/a')?.value).to.equal('a');
      expect(dr.current('/dr/app/b')?.value).to.equal('b');
      expect(dr.current('/dr/app/c')).to.equal(undefined);
      expect(dr.meta('/dr/app/d')?.tags).to.deep.equal({ k: 'd', [REPLICA_TAG]: '/app/ in eu-west-1 123456789012 to /dr/app/' });
      expect((await syncer().sync())).to.deep.include({ written: 0, deleted: 0, inSync: 3 });
    });

    it('converges to the same replicas whatever the order and number of events', async () => {
      const run = async (order: string[]) => {
        const { parameters, dr, map, changed } = setup();
        await map({ destination: arn(DR, '/dr/app/'), source: '/app/', type: 'mirror' });
        for (const name of ['/app/a', '/app/b', '/app/c']) parameters.put(name, `${name} v2`);
        parameters.delete('/app/b');
        for (const name of order) await changed(name, parameters.current(name) ? 'put' : 'delete');
        return dr.snapshotNames();
      };
      const clean = await run(['/app/a', '/app/b', '/app/c']);
      expect(await run(['/app/c', '/app/b', '/app/a', '/app/c', '/app/b', '/app/a'])).to.deep.equal(clean);
      expect(clean).to.deep.equal(['/dr/app/a=/app/a v2', '/dr/app/c=/app/c v2']);
    });

    it('on a source change, names a refusal of the mirror as a whole by the mirror, and one of its replica by the replica', async () => {
      const { parameters, log, map, changed } = setup();
      parameters.put('/src/x', 'v');
      // Outside the destination prefixes: the mirror as a whole is refused, whichever source changes.
      await map({ destination: '/elsewhere/', source: '/src/', type: 'mirror' });
      // Allowed, but its replica of /src/x is another mapping's destination.
      await map({ destination: '/app/copy/x', source: '/src/other', type: 'app' });
      await map({ destination: '/app/copy/', source: '/src/', type: 'mirror' });
      log.lines.length = 0;
      const outcomes = await changed('/src/x');
      expect(outcomes.filter((outcome) => outcome.result === 'refused').map((outcome) => outcome.destination).sort()).to.deep.equal(['/app/copy/x', '/elsewhere/']);
      const refused = log.lines.map((line) => JSON.parse(line) as Record<string, string>).filter((line) => line.message === 'replication refused');
      expect(refused.map((line) => line.parameter_name).sort()).to.deep.equal(['/app/copy/x', '/elsewhere/']);
    });

    it('logs nothing for a replica already in sync, as it always has (no "destination already in sync")', async () => {
      const { parameters, log, map, changed } = setup();
      parameters.put('/app/x', 'v');
      await map({ destination: arn(DR, '/dr/app/'), source: '/app/', type: 'mirror' });
      log.lines.length = 0;
      expect((await changed('/app/x')).map((outcome) => outcome.result)).to.deep.equal(['in-sync']);
      expect(log.lines).to.deep.equal([]);
    });
  });

  describe('what a mirror owns', () => {
    it('refuses a mirror over hand-written parameters and another mapping\'s destination, and deletes none of them', async () => {
      const { parameters, map, changed, syncer, log } = setup();
      parameters.put('/app/payments/api-key', 'k-1', 'SecureString');
      parameters.put('/app/payments/url', 'https://pay');
      parameters.put('/src/flag', 'on');
      await map({ destination: '/app/orders/flag', source: '/src/flag', type: 'app' });
      const outcome = await map({ destination: '/app/', source: '/nothing-here/', type: 'mirror' });
      expect(outcome).to.deep.include({ result: 'refused' });
      expect(outcome?.reason).to.include('overlaps the destination /app/orders/flag of an app mapping');
      // A source change under the mirror's source is refused too: the name is the app's.
      parameters.put('/nothing-here/orders/flag', 'off');
      const [live] = await changed('/nothing-here/orders/flag');
      expect(live).to.deep.include({ result: 'refused', destination: '/app/orders/flag' });
      const report = await syncer().sync();
      expect(report).to.deep.include({ deleted: 0, refused: 1 });
      expect(parameters.snapshotNames()).to.deep.equal([
        '/app/orders/flag=on',
        '/app/payments/api-key=k-1',
        '/app/payments/url=https://pay',
        '/nothing-here/orders/flag=off',
        '/src/flag=on',
      ]);
      expect(log.lines.some((line) => line.includes('"replication refused"') && line.includes('overlaps'))).to.equal(true);
    });

    it('refuses two mirrors whose destinations overlap, at home and in a replica target', async () => {
      const { map } = setup();
      await map({ destination: '/app/copy/', source: '/a/', type: 'mirror' });
      const inner = await map({ destination: '/app/copy/b/', source: '/b/', type: 'mirror' });
      expect(inner?.reason).to.include('overlaps the destination /app/copy/ of the mirror of /a/');
      await map({ destination: arn(DR, '/dr/app/'), source: '/a/', type: 'mirror' });
      const outer = await map({ destination: arn(DR, '/dr/'), source: '/b/', type: 'mirror' });
      expect(outer?.reason).to.include(`overlaps the destination ${arn(DR, '/dr/app/')}`);
      // The same prefix in another place is another prefix.
      expect((await map({ destination: '/app/dr/', source: '/b/', type: 'mirror' }))?.result).to.not.equal('refused');
    });

    it('never writes over or deletes a parameter under its destination that it did not write, and says why', async () => {
      const { parameters, map, changed, syncer } = setup();
      parameters.put('/src/x', 'x');
      parameters.put('/src/y', 'y');
      parameters.put('/app/copy/x', 'written by hand');
      parameters.put('/app/copy/hand', 'no source');
      parameters.put('/app/copy/other', 'another mirror', 'String', undefined, { tags: { [REPLICA_TAG]: '/elsewhere/' } });
      const outcome = await map({ destination: '/app/copy/', source: '/src/', type: 'mirror' });
      expect(outcome?.replicas).to.deep.include({ written: 1, deleted: 0, refused: 3 });
      expect(parameters.current('/app/copy/y')?.value).to.equal('y');
      expect(parameters.meta('/app/copy/y')?.tags).to.deep.equal({ [REPLICA_TAG]: '/src/ to /app/copy/' });
      const [live] = await changed('/src/x');
      expect(live).to.deep.include({ result: 'refused' });
      expect(live?.reason).to.include(`/app/copy/x was not written by the mirror /src/ to /app/copy/ (it has no tag ${REPLICA_TAG})`);
      expect(await syncer().sync()).to.deep.include({ written: 0, deleted: 0, refused: 3 });
      expect(parameters.current('/app/copy/x')?.value).to.equal('written by hand');
      expect(parameters.current('/app/copy/hand')?.value).to.equal('no source');
      expect(parameters.current('/app/copy/other')?.value).to.equal('another mirror');
      // What it wrote is its own to delete.
      parameters.delete('/src/y');
      await changed('/src/y', 'delete');
      expect(parameters.current('/app/copy/y')).to.equal(undefined);
    });

    it('takes on an unmarked parameter that is already exactly the copy (a replica from before marks) by marking it, without writing it', async () => {
      const { parameters, map, syncer } = setup();
      parameters.put('/src/x', 'x', 'String', undefined, { description: 'd', tags: { team: 'core' } });
      parameters.put('/app/copy/x', 'x', 'String', undefined, { description: 'd', tags: { team: 'core' } });
      const writes = parameters.writes.length;
      const outcome = await map({ destination: '/app/copy/', source: '/src/', type: 'mirror' });
      expect(outcome?.replicas).to.deep.include({ written: 1, refused: 0 });
      expect(parameters.writes.length).to.equal(writes);
      expect(parameters.meta('/app/copy/x')?.tags).to.deep.equal({ team: 'core', [REPLICA_TAG]: '/src/ to /app/copy/' });
      parameters.delete('/src/x');
      expect(await syncer().sync()).to.deep.include({ deleted: 1 });
    });

    it('marks its replicas as its own even when the source is itself a marked replica', async () => {
      const { parameters, map } = setup();
      parameters.put('/app/a/x', 'x', 'String', undefined, { tags: { [REPLICA_TAG]: '/upstream/' } });
      await map({ destination: '/app/b/', source: '/app/a/', type: 'mirror' });
      expect(parameters.meta('/app/b/x')?.tags).to.deep.equal({ [REPLICA_TAG]: '/app/a/ to /app/b/' });
    });

    it('refuses a replica whose source already has the most tags a parameter may hold', async () => {
      const { parameters, map } = setup();
      const tags = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`t${index}`, 'v']));
      parameters.put('/src/full', 'v', 'String', undefined, { tags });
      const outcome = await map({ destination: '/app/copy/', source: '/src/', type: 'mirror' });
      expect(outcome?.replicas).to.deep.include({ refused: 1, written: 0 });
      expect(parameters.current('/app/copy/full')).to.equal(undefined);
    });
  });

  describe('what a mirror owns, attacked', () => {
    it('a live change of a mirror refused whole for overlap does not delete another mirror\'s replica carrying the same tag', async () => {
      const { parameters, dr, map, changed } = setup();
      parameters.put('/app/b/x', 'bx');
      await map({ destination: arn(DR, '/dr/app/'), source: '/app/', type: 'mirror' });
      expect(dr.current('/dr/app/b/x')?.value).to.equal('bx');
      // A second mirror of the same source, into a prefix inside the first's: refused whole...
      expect((await map({ destination: arn(DR, '/dr/app/b/'), source: '/app/', type: 'mirror' }))?.result).to.equal('refused');
      // Its live changes find the first's replica of /app/b/x where they would keep /app/x: the
      // mark names the mirror, destination included, so it is not taken for the second's.
      parameters.put('/app/x', 'x');
      await changed('/app/x');
      parameters.delete('/app/x');
      await changed('/app/x', 'delete');
      expect(dr.current('/dr/app/b/x')?.value, "the first mirror's replica of /app/b/x").to.equal('bx');
    });

    it('creates a replica with its mark in one call, so a failed tag write cannot leave it unmarked and stale', async () => {
      const { parameters, dr, map, changed, syncer } = setup();
      await map({ destination: arn(DR, '/dr/app/'), source: '/app/', type: 'mirror' });
      parameters.put('/app/x', 'v1');
      // AddTagsToResource throttled (or the Lambda dies) between PutParameter and the tag.
      const retag = dr.retag.bind(dr);
      let failures = 1;
      dr.retag = async (...args) => {
        if (Object.keys(args[1]).length > 0 && failures-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        return retag(...args);
      };
      await changed('/app/x');
      expect(dr.current('/dr/app/x')?.value).to.equal('v1');
      expect(dr.meta('/dr/app/x')?.tags[REPLICA_TAG]).to.equal('/app/ in eu-west-1 123456789012 to /dr/app/');
      // The source changes before any retry or pass adopted the replica.
      parameters.put('/app/x', 'v2');
      await changed('/app/x');
      await syncer().sync();
      expect(dr.current('/dr/app/x')?.value, 'the DR replica of /app/x').to.equal('v2');
    });

    it('never overwrites a parameter created by hand between the mirror\'s read and its write', async () => {
      const { parameters, dr, map, changed } = setup();
      await map({ destination: arn(DR, '/dr/app/'), source: '/app/', type: 'mirror' });
      parameters.put('/app/x', 'copy');
      const write = dr.write.bind(dr);
      let raced = false;
      dr.write = async (parameter) => {
        if (!raced) {
          raced = true;
          dr.put('/dr/app/x', 'written by hand');
        }
        return write(parameter);
      };
      await changed('/app/x');
      // A replica is created with Overwrite false and its tags: SSM refuses, the mirror reads again.
      expect(dr.current('/dr/app/x')?.value).to.equal('written by hand');
    });

    it('refuses a destination ARN with a second spelling of its name (parameter//dr/x), which lookups by key would miss', async () => {
      const { map } = setup();
      let failure: unknown;
      await map({ destination: arn(DR, '//dr/app/x'), source: '/other', type: 'app' }).catch((error: unknown) => (failure = error));
      expect(String(failure)).to.include('the path after "parameter" takes one "/"');
    });
  });

  describe('leftovers', () => {
    it('gives a merge over the reference limit no rows in the source index', async () => {
      const { sourceIndex, map } = setup();
      const names = Array.from({ length: MAX_MERGE_REFERENCES + 1 }, (_, index) => `/src/${index}`);
      expect((await map({ destination: '/app/big', type: 'merge', source: names.map((name) => `\${${name}}`) }))?.result).to.equal('refused');
      expect(sourceIndex.sorted()).to.be.empty;
    });
  });
});
