import { expect } from 'chai';
import { readStoredMapping } from '../../../../shared/replication/mapping.ts';
import { parsePrefixes } from '../../../../shared/config.ts';
import { parseSsmEvent } from '../../../../shared/events/cloudtrail.ts';
import type { ReplicaTarget } from '../../../../shared/replication/replica-targets.ts';
import { ReplicationSyncer } from '../../../../shared/replication/replication-syncer.ts';
import { Replicator } from '../../../../shared/replication/replicator.ts';
import { REPLICA_TAG } from '../../../../shared/replication/mirror-ownership.ts';
import { putEvent } from '../../support/events.ts';
import { instantPacing } from '../../support/instant-pacing.ts';
import { InMemoryMappings, InMemoryParameterStore, InMemoryPlaces, InMemorySourceIndex, RecordingLog } from '../../support/in-memory.ts';

const HOME = { region: 'eu-west-1', account: '123456789012' };
const DR = { region: 'eu-central-1', account: '210987654321' };
const TARGETS: ReplicaTarget[] = [
  { region: 'eu-central-1', accountId: DR.account, roleArn: 'arn:aws:iam::210987654321:role/figgy-replica-writer', destinationPrefixes: ['/dr'] },
];
const arn = (place: { region: string; account: string }, path: string) => `arn:aws:ssm:${place.region}:${place.account}:parameter${path}`;

function setup() {
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
    settings: { destinationPrefixes: parsePrefixes('/app', 'REPLICATION_DESTINATION_PREFIXES'), replicaTargets: TARGETS },
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
  return { parameters, dr, map, changed, syncer };
}

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
