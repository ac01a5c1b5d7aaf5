/**
 * The rule's one decision per destination, case by case: what the replicator is told to do
 * for a destination or a mirror's replica, every check included (a runaway, a replica another
 * mapping claims), given what Parameter Store and the replication table hold.
 */
import { expect } from 'chai';
import { parsePrefixes } from '../../../../shared/config.ts';
import { decideDestination, decideReplica, locateReplica, type Decision, type DecisionPorts } from '../../../../shared/replication/decisions.ts';
import { parseMapping } from '../../../../shared/replication/mapping.ts';
import { REPLICA_TAG } from '../../../../shared/replication/mirror-ownership.ts';
import { REWRITE_LIMIT } from '../../../../shared/replication/runaway.ts';
import type { MirrorMapping, ParameterMapping, ReplicationMapping } from '../../../../shared/replication/types.ts';
import { InMemoryParameterStore } from '../../support/in-memory.ts';

const NOW = Date.parse('2026-12-06T08:00:00Z');
const MARK = '/src/ to /app/copy/';

function portsOver(parameters: InMemoryParameterStore, items: Record<string, unknown>[] = []): DecisionPorts {
  const mappings = new Map<string, ReplicationMapping>(items.map((raw) => parseMapping(raw)).map((mapping) => [mapping.destination, mapping]));
  return {
    settings: { destinationPrefixes: parsePrefixes('/app', 'REPLICATION_DESTINATION_PREFIXES') },
    lookup: async (name) => mappings.get(name),
    parameters,
    now: () => NOW,
  };
}

/** A store holding `name` rewritten `times` over within the last minute. */
function rewritten(parameters: InMemoryParameterStore, name: string, times: number, tags: Record<string, string> = {}): void {
  parameters.now = NOW - 60_000;
  for (let write = 1; write <= times; write++) parameters.put(name, `v${write}`, 'String', undefined, { tags });
}

describe("the rule's decision for a destination, case by case", () => {
  const app = { destination: '/app/a', source: '/src/a', type: 'app' };
  const cases: [string, (parameters: InMemoryParameterStore) => void, { action: Decision['action']; name?: string; runaway?: true; reason?: string }][] = [
    ['writes a source to an absent destination', (p) => p.put('/src/a', 'v'), { action: 'write', name: '/app/a' }],
    ['does nothing for a destination in sync', (p) => (p.put('/src/a', 'v'), p.put('/app/a', 'v')), { action: 'none' }],
    ['waits for a missing source', () => undefined, { action: 'wait', reason: 'source /src/a does not exist' }],
    ['writes a destination rewritten a few times lately', (p) => (p.put('/src/a', 'new'), rewritten(p, '/app/a', 3)), { action: 'write' }],
    [
      'refuses a destination rewritten without end, as a runaway',
      (p) => (p.put('/src/a', 'new'), rewritten(p, '/app/a', REWRITE_LIMIT)),
      { action: 'refuse', runaway: true, reason: `was written ${REWRITE_LIMIT} times` },
    ],
  ];
  for (const [title, held, expected] of cases) {
    it(title, async () => {
      const parameters = new InMemoryParameterStore();
      held(parameters);
      const decision = await decideDestination(parseMapping(app) as ParameterMapping, portsOver(parameters));
      expect(decision.action).to.equal(expected.action);
      if (expected.name !== undefined && decision.action === 'write') expect(decision.name).to.equal(expected.name);
      if (expected.runaway !== undefined && decision.action === 'refuse') expect(decision.runaway).to.equal(true);
      if (expected.reason !== undefined && 'reason' in decision) expect(decision.reason).to.include(expected.reason);
    });
  }
});

describe("the rule's decision for a mirror's replica, case by case", () => {
  const mirrorItem = { destination: '/app/copy/', source: '/src/', type: 'mirror' };
  const mirror = parseMapping(mirrorItem) as MirrorMapping;
  const cases: [string, (parameters: InMemoryParameterStore) => void, Record<string, unknown>[], string, string?][] = [
    ['creates a missing replica', (p) => p.put('/src/x', 'v'), [], 'write'],
    ['deletes its own replica whose source is gone', (p) => p.put('/app/copy/x', 'v', 'String', undefined, { tags: { [REPLICA_TAG]: MARK } }), [], 'delete'],
    ['refuses a parameter it did not write', (p) => (p.put('/src/x', 'v'), p.put('/app/copy/x', 'hand')), [], 'refuse', 'was not written by the mirror'],
    ['refuses a replica another mapping writes', (p) => p.put('/src/x', 'v'), [{ destination: '/app/copy/x', source: '/src/other', type: 'app' }], 'refuse', 'is the destination of'],
    [
      'refuses its own replica rewritten without end, as a runaway',
      (p) => (p.put('/src/x', 'new'), rewritten(p, '/app/copy/x', REWRITE_LIMIT, { [REPLICA_TAG]: MARK })),
      [],
      'refuse',
      `was written ${REWRITE_LIMIT} times`,
    ],
  ];
  for (const [title, held, others, action, reason] of cases) {
    it(title, async () => {
      const parameters = new InMemoryParameterStore();
      held(parameters);
      const ports = portsOver(parameters, [mirrorItem, ...others]);
      const located = await locateReplica(mirror, '/app/copy/x', '/app/copy/x', ports);
      const decision = 'refusal' in located ? { action: 'refuse' as const, reason: located.refusal } : await decideReplica(mirror, located, '/app/copy/x', ports);
      expect(decision.action).to.equal(action);
      if (reason !== undefined && decision.action === 'refuse') expect(decision.reason).to.include(reason);
    });
  }

  it('writes value and tags together when creating, and retags alone when taking on an exact copy', async () => {
    const parameters = new InMemoryParameterStore();
    parameters.put('/src/x', 'v', 'String', undefined, { tags: { team: 'core' } });
    const ports = portsOver(parameters, [mirrorItem]);
    const located = { name: '/app/copy/', otherRegion: false };
    const created = await decideReplica(mirror, located, '/app/copy/x', ports);
    expect(created.action === 'write' && created.write && 'createWithTags' in created.write && created.write.createWithTags).to.deep.equal({ team: 'core', [REPLICA_TAG]: MARK });
    parameters.put('/app/copy/x', 'v', 'String', undefined, { tags: { team: 'core' } });
    expect(await decideReplica(mirror, located, '/app/copy/x', ports)).to.deep.equal({
      action: 'write',
      name: '/app/copy/x',
      retag: { add: { [REPLICA_TAG]: MARK }, remove: [] },
    });
  });
});
