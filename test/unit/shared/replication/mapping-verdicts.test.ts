/**
 * `mappings check`'s verdicts: each is what the replicator then does with the same mapping,
 * from the same rule, and a malformed item is reported with the field it breaks.
 */
import { expect } from 'chai';
import { collect } from '../../../../shared/concurrency.ts';
import { parsePrefixes } from '../../../../shared/config.ts';
import { mappingVerdicts, type MappingVerdict } from '../../../../shared/replication/mapping-verdicts.ts';
import { Replicator, type ReplicationResult } from '../../../../shared/replication/replicator.ts';
import { InMemoryMappings, InMemoryParameterStore, InMemorySourceIndex, RecordingLog } from '../../support/in-memory.ts';

const SETTINGS = {
  destinationPrefixes: parsePrefixes('/app', 'REPLICATION_DESTINATION_PREFIXES'),
  sourcePrefixes: parsePrefixes('/src,/app', 'REPLICATION_SOURCE_PREFIXES'),
};

function setup(items: Record<string, unknown>[]) {
  const parameters = new InMemoryParameterStore();
  const mappings = new InMemoryMappings();
  for (const item of items) mappings.set(item);
  const replicator = new Replicator({ parameters, mappings, sourceIndex: new InMemorySourceIndex(), log: new RecordingLog(), settings: SETTINGS });
  const verdicts = async () =>
    mappingVerdicts(await collect(mappings.scan()), { settings: SETTINGS, read: (names) => parameters.readDecrypted(names) });
  return { parameters, mappings, replicator, verdicts };
}

const byDestination = (verdicts: MappingVerdict[]) => Object.fromEntries(verdicts.map((verdict) => [verdict.destination, verdict]));

describe('mapping verdicts (mappings check)', () => {
  const items = [
    { destination: '/app/in-sync', source: '/src/a', type: 'app' },
    { destination: '/app/stale', source: '/src/a', type: 'app' },
    { destination: '/app/merged', source: ['db://${/src/user}:', '${/src/missing:uri}@h'], type: 'merge' },
    { destination: '/other/x', source: '/src/a', type: 'app' },
    { destination: '/app/c1', source: '/app/c2', type: 'app' },
    { destination: '/app/c2', source: '/app/c1', type: 'app' },
    { destination: 'arn:aws:ssm:us-east-1:210987654321:parameter/dr/', source: '/src/', type: 'mirror' },
    { destination: '/app/copy/', source: '/src/', type: 'mirror' },
    { destination: '/app/copy/x', source: '/src/a', type: 'app' },
    { destination: '/app/mirror/', source: '/src/', type: 'mirror', keep_deleted: true },
    { destination: '/app/bad', source: '/src/a', type: 'ap' },
  ];
  const held = (parameters: InMemoryParameterStore) => {
    parameters.put('/src/a', 'v');
    parameters.put('/src/user', 'u');
    parameters.put('/app/in-sync', 'v');
    parameters.put('/app/stale', 'old');
    parameters.put('/app/copy/x', 'v');
  };

  it('says of each mapping whether it replicates, waits for a merge part, is refused and why, or is malformed', async () => {
    const { parameters, verdicts } = setup(items);
    held(parameters);
    const found = byDestination(await verdicts());
    expect(found['/app/in-sync']).to.deep.equal({ destination: '/app/in-sync', type: 'app', source: '/src/a', status: 'replicating', state: 'in-sync' });
    expect(found['/app/stale']).to.include({ status: 'replicating', state: 'out-of-date' });
    expect(found['/app/merged']).to.deep.include({
      type: 'merge',
      source: 'db://${/src/user}:${/src/missing:uri}@h',
      status: 'waiting',
      reason: 'source /src/missing does not exist',
    });
    expect(found['/other/x']).to.include({ status: 'refused', reason: 'destination /other/x is outside the allowed prefixes /app' });
    expect(found['/app/c1']?.reason).to.include('closes a cycle');
    expect(found['/app/c2']?.reason).to.include('closes a cycle');
    const dr = found['arn:aws:ssm:us-east-1:210987654321:parameter/dr/'];
    expect(dr).to.include({ status: 'refused', place: 'us-east-1/210987654321' });
    expect(dr?.reason).to.include('not a replica target of this deployment').and.include('replicaTargets');
    expect(found['/app/copy/']?.reason).to.include('overlaps the destination /app/copy/x of an app mapping');
    expect(found['/app/mirror/']).to.include({ status: 'replicating', state: 'mirror', source: '/src/' });
    expect(found['/app/bad']).to.deep.equal({
      destination: '/app/bad',
      status: 'malformed',
      field: 'type (mapping of /app/bad)',
      reason: 'type (mapping of /app/bad): "ap" is not "app", "merge" or "mirror"',
    });
  });

  it('is what the replicator then does with the same mapping, reason for reason', async () => {
    const { parameters, replicator, verdicts } = setup(items);
    held(parameters);
    const before = await verdicts();
    const expected: Record<string, ReplicationResult[]> = {
      'replicating/in-sync': ['in-sync'],
      'replicating/out-of-date': ['written'],
      'replicating/mirror': ['written', 'in-sync'],
      waiting: ['waiting'],
      refused: ['refused'],
      malformed: ['invalid'],
    };
    for (const verdict of before) {
      const outcome = await replicator.replicateDestination(verdict.destination as string);
      const key = verdict.state ? `${verdict.status}/${verdict.state}` : verdict.status;
      expect(expected[key], `${verdict.destination}: ${key} but the replicator says ${outcome.result}`).to.include(outcome.result);
      if (verdict.status !== 'replicating') expect(outcome.reason, verdict.destination).to.equal(verdict.reason);
    }
    expect(parameters.current('/app/stale')?.value).to.equal('v');
  });

  it('judges only the mappings asked for, against all of them', async () => {
    const { verdicts, mappings } = setup(items);
    const all = await collect(mappings.scan());
    const one = all.filter((stored) => stored.valid && stored.mapping.destination === '/app/c1');
    const judged = await mappingVerdicts(all, { settings: SETTINGS, read: async () => new Map() }, one);
    expect(judged.map((verdict) => [verdict.destination, verdict.status])).to.deep.equal([['/app/c1', 'refused']]);
    expect((await verdicts()).length).to.equal(items.length);
  });

  it('reports a mapping it could not judge as failed, and judges the others', async () => {
    const { mappings } = setup(items.slice(0, 2));
    const judged = await mappingVerdicts(await collect(mappings.scan()), {
      settings: SETTINGS,
      read: async () => {
        throw Object.assign(new Error('User is not authorized to perform: ssm:GetParameters'), { name: 'AccessDeniedException' });
      },
    });
    expect(judged.map((verdict) => [verdict.status, verdict.reason])).to.deep.equal([
      ['failed', 'User is not authorized to perform: ssm:GetParameters'],
      ['failed', 'User is not authorized to perform: ssm:GetParameters'],
    ]);
  });

  it("judges a destination in another account it may not read as allowed, saying it was not read, and still refuses or waits as the rule does", async () => {
    const target = { region: 'us-east-1', accountId: '210987654321', destinationPrefixes: ['/dr'], roleArn: 'arn:aws:iam::210987654321:role/figgy-replica-writer' };
    const settings = { ...SETTINGS, replicaTargets: [target] };
    const { parameters, mappings } = setup([
      { destination: 'arn:aws:ssm:us-east-1:210987654321:parameter/dr/db', source: '/src/a', type: 'app' },
      { destination: 'arn:aws:ssm:us-east-1:210987654321:parameter/dr/url', source: '${/src/missing}', type: 'merge' },
    ]);
    parameters.put('/src/a', 'v');
    const denied = Object.assign(new Error('User: alice is not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' });
    const judged = await mappingVerdicts(await collect(mappings.scan()), {
      settings,
      read: (names) => parameters.readDecrypted(names),
      places: {
        home: async () => ({ region: 'eu-west-1', account: '123456789012' }),
        parametersIn: () => {
          throw denied;
        },
      },
    });
    expect(judged.map((verdict) => [verdict.status, verdict.state])).to.deep.equal([
      ['replicating', 'not-read'],
      ['waiting', undefined],
    ]);
    expect(judged[0]?.reason).to.include('not authorized to perform: sts:AssumeRole').and.include('trusts only the replicators');
  });
});
