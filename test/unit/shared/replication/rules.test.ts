/**
 * The replication rule on its own, case by case: what `judgeReplication` decides for a
 * destination and `planReplica` for a mirror's replica, given what Parameter Store holds.
 */
import { expect } from 'chai';
import { parsePrefixes } from '../../../../shared/config.ts';
import type { ParameterValue } from '../../../../shared/parameters.ts';
import { parseMapping } from '../../../../shared/replication/mapping.ts';
import type { LocatedDestination } from '../../../../shared/replication/locate.ts';
import { REPLICA_TAG } from '../../../../shared/replication/mirror-ownership.ts';
import { planReplica } from '../../../../shared/replication/mirror-plans.ts';
import { judgeReplication, type ReplicationPlan } from '../../../../shared/replication/rules.ts';
import type { MirrorMapping, ParameterDetails, ParameterMapping, ReplicationMapping } from '../../../../shared/replication/types.ts';

const SETTINGS = {
  destinationPrefixes: parsePrefixes('/app', 'REPLICATION_DESTINATION_PREFIXES'),
  sourcePrefixes: parsePrefixes('/src,/app', 'REPLICATION_SOURCE_PREFIXES'),
};

const value = (name: string, text: string, type: ParameterValue['type'] = 'String'): ParameterValue => ({ name, type, value: text, version: 1 });

async function judged(item: Record<string, unknown>, held: ParameterValue[], others: Record<string, unknown>[] = []): Promise<ReplicationPlan> {
  const mappings = new Map<string, ReplicationMapping>([...others, item].map((raw) => parseMapping(raw)).map((mapping) => [mapping.destination, mapping]));
  const values = new Map(held.map((parameter) => [parameter.name, parameter]));
  return judgeReplication(parseMapping(item) as ParameterMapping, {
    settings: SETTINGS,
    lookup: async (name) => mappings.get(name),
    read: async (names) => new Map(names.flatMap((name) => (values.has(name) ? [[name, values.get(name) as ParameterValue]] : []))),
  });
}

describe('the replication rule, case by case', () => {
  const cases: [string, Record<string, unknown>, ParameterValue[], Record<string, unknown>[], Partial<ReplicationPlan> & { reason?: string }][] = [
    ['copies a source to an absent destination', { destination: '/app/a', source: '/src/a', type: 'app' }, [value('/src/a', 'v')], [], { action: 'write' }],
    ['leaves a destination equal in value and type', { destination: '/app/a', source: '/src/a', type: 'app' }, [value('/src/a', 'v'), value('/app/a', 'v')], [], { action: 'none' }],
    ['rewrites a destination of another type', { destination: '/app/a', source: '/src/a', type: 'app' }, [value('/src/a', 'v', 'SecureString'), value('/app/a', 'v')], [], { action: 'write' }],
    ['waits for a missing source', { destination: '/app/a', source: '/src/a', type: 'app' }, [], [], { action: 'wait', reason: 'source /src/a does not exist' }],
    ['refuses a destination outside the prefixes', { destination: '/other/a', source: '/src/a', type: 'app' }, [value('/src/a', 'v')], [], { action: 'refuse', reason: 'is outside the allowed prefixes /app' }],
    ['refuses a source outside the source prefixes', { destination: '/app/a', source: '/secret/a', type: 'app' }, [value('/secret/a', 'v')], [], { action: 'refuse', reason: 'outside the allowed source prefixes' }],
    ['refuses a destination that reads itself', { destination: '/app/a', source: '/app/a', type: 'app' }, [value('/app/a', 'v')], [], { action: 'refuse', reason: 'reads itself' }],
    ['refuses a mapping that closes a cycle', { destination: '/app/a', source: '/app/b', type: 'app' }, [value('/app/b', 'v')], [{ destination: '/app/b', source: '/app/a', type: 'app' }], { action: 'refuse', reason: 'closes a cycle' }],
    ['refuses an ARN destination with no replica target', { destination: 'arn:aws:ssm:us-east-1:210987654321:parameter/app/a', source: '/src/a', type: 'app' }, [value('/src/a', 'v')], [], { action: 'refuse', reason: 'not a replica target' }],
    ['renders a merge into a SecureString', { destination: '/app/dsn', source: 'db://${/src/user}:${/src/pw:uri}@h', type: 'merge' }, [value('/src/user', 'u'), value('/src/pw', 'p w')], [], { action: 'write' }],
  ];
  for (const [title, item, held, others, expected] of cases) {
    it(title, async () => {
      const plan = await judged(item, held, others);
      expect(plan.action).to.equal(expected.action);
      if (expected.reason !== undefined && 'reason' in plan) expect(plan.reason).to.include(expected.reason);
    });
  }

  it('writes what the sources make: the merge rendered, form-encoded where asked', async () => {
    const plan = await judged({ destination: '/app/dsn', source: 'db://${/src/user}:${/src/pw:uri}@h', type: 'merge' }, [value('/src/user', 'u'), value('/src/pw', 'p w')]);
    expect(plan).to.deep.include({ action: 'write', write: { name: '/app/dsn', type: 'SecureString', value: 'db://u:p+w@h', keyId: undefined } });
  });
});

describe("a mirror's plan for one replica, case by case", () => {
  const mirror = parseMapping({ destination: '/app/copy/', source: '/src/', type: 'mirror' }) as MirrorMapping;
  const keeping = parseMapping({ destination: '/app/copy/', source: '/src/', type: 'mirror', keep_deleted: true }) as MirrorMapping;
  const home: LocatedDestination = { name: '/app/copy/', otherRegion: false };
  const abroad: LocatedDestination = { name: '/app/copy/', otherRegion: true, place: { region: 'us-east-1', account: '210987654321' }, home: { region: 'eu-west-1', account: '123456789012' } };
  const MARK = '/src/ to /app/copy/';
  const details = (name: string, text: string, tags: Record<string, string> = {}, extra: Partial<ParameterDetails> = {}): ParameterDetails => ({
    name,
    type: 'String',
    value: text,
    version: 1,
    description: '',
    tier: 'Standard',
    dataType: 'text',
    tags,
    ...extra,
  });
  const source = details('/src/x', 'v', { team: 'core' });
  const cases: [string, MirrorMapping, LocatedDestination, ParameterDetails | undefined, ParameterDetails | undefined, string, string?][] = [
    ['deletes its own replica whose source is gone', mirror, home, undefined, details('/app/copy/x', 'v', { [REPLICA_TAG]: MARK }), 'delete'],
    ['keeps it with keep_deleted', keeping, home, undefined, details('/app/copy/x', 'v', { [REPLICA_TAG]: MARK }), 'none'],
    ['never deletes a parameter it did not write', mirror, home, undefined, details('/app/copy/x', 'v'), 'refuse', 'was not written by the mirror'],
    ['creates a missing replica with its mark', mirror, home, source, undefined, 'write'],
    ['leaves its own replica equal to the source', mirror, home, source, details('/app/copy/x', 'v', { team: 'core', [REPLICA_TAG]: MARK }), 'none'],
    ['rewrites its own replica that differs', mirror, home, source, details('/app/copy/x', 'old', { team: 'core', [REPLICA_TAG]: MARK }), 'write'],
    ['marks an unmarked exact copy and so takes it on', mirror, home, source, details('/app/copy/x', 'v', { team: 'core' }), 'write'],
    ['refuses an unmarked parameter that differs', mirror, home, source, details('/app/copy/x', 'hand', { team: 'core' }), 'refuse', 'was not written by the mirror'],
    ["refuses another mirror's replica", mirror, home, source, details('/app/copy/x', 'v', { team: 'core', [REPLICA_TAG]: '/elsewhere/ to /app/copy/' }), 'refuse', 'is a replica of another mirror'],
    ['refuses an AMI id into another region', mirror, abroad, { ...source, dataType: 'aws:ec2:image' }, undefined, 'refuse', 'aws:ec2:image'],
    ['refuses a source with the most tags SSM allows', mirror, home, details('/src/x', 'v', Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`t${index}`, 'v']))), undefined, 'refuse', 'needs one more'],
  ];
  for (const [title, which, located, from, current, action, reason] of cases) {
    it(title, () => {
      const plan = planReplica(which, located, '/app/copy/x', from, current);
      expect(plan.action).to.equal(action);
      if (reason !== undefined && plan.action === 'refuse') expect(plan.reason).to.include(reason);
    });
  }

  it('creates with the mark and the tags in one write, and takes on an exact copy with a tag call alone', () => {
    expect(planReplica(mirror, home, '/app/copy/x', source, undefined)).to.deep.include({ addTags: {}, removeTags: [] });
    const created = planReplica(mirror, home, '/app/copy/x', source, undefined);
    expect(created.action === 'write' && created.write?.createWithTags).to.deep.equal({ team: 'core', [REPLICA_TAG]: MARK });
    const adopted = planReplica(mirror, home, '/app/copy/x', source, details('/app/copy/x', 'v', { team: 'core' }));
    expect(adopted).to.deep.equal({ action: 'write', addTags: { [REPLICA_TAG]: MARK }, removeTags: [] });
  });

  it('marks a replica in another place with the source place too', () => {
    const created = planReplica(mirror, abroad, '/app/copy/x', source, undefined);
    expect(created.action === 'write' && created.write?.createWithTags?.[REPLICA_TAG]).to.equal('/src/ in eu-west-1 123456789012 to /app/copy/');
  });
});
