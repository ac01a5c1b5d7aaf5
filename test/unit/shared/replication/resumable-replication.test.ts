import { expect } from 'chai';
import { readStoredMapping } from '../../../../shared/replication/mapping.ts';
import { parsePrefixes } from '../../../../shared/config.ts';
import { firstCopier } from '../../../../shared/replication/first-copy.ts';
import { PacedBulkWork } from '../../../../shared/replication/paced-bulk-work.ts';
import type { ReplicaTarget } from '../../../../shared/replication/replica-targets.ts';
import { REPLICATION_JOB, ReplicationSyncer, type ReplicationSyncReport } from '../../../../shared/replication/replication-syncer.ts';
import { Replicator, type ReplicatorDependencies } from '../../../../shared/replication/replicator.ts';
import { REPLICATION_PASS } from '../../../../shared/metric-counts.ts';
import { Budget } from '../../../../shared/sync/budget.ts';
import { workInOrder } from '../../../../shared/sync/ordered-work.ts';
import { runSyncPass, type SyncOutcome, type SyncTrigger } from '../../../../shared/sync/sync-pass.ts';
import { InMemoryMappings, InMemoryParameterStore, InMemoryPlaces, InMemorySourceIndex, RecordingLog } from '../../support/in-memory.ts';
import { InMemorySyncProgress } from '../../support/in-memory-sync-progress.ts';
import { VirtualTime } from '../../support/virtual-time.ts';

const HOME = { region: 'eu-west-1', account: '123456789012' };
const DR = { region: 'eu-central-1', account: '210987654321' };
const TARGETS: ReplicaTarget[] = [
  { region: DR.region, accountId: DR.account, roleArn: 'arn:aws:iam::210987654321:role/figgy-replica-writer', destinationPrefixes: ['/dr'], bulkWritesPerSecond: 1, bulkReadsPerSecond: 5 },
];
const drArn = (path: string) => `arn:aws:ssm:${DR.region}:${DR.account}:parameter${path}`;

/**
 * A budget that is spent once `checkpoints` saves have happened: an invocation that ran out
 * of time right after its k-th checkpoint.
 */
function budgetFor(store: InMemorySyncProgress, checkpoints: number): Budget {
  let saves = 0;
  let spent = false;
  const save = store.save.bind(store);
  store.save = async (lease, update) => {
    await save(lease, update);
    if (++saves >= checkpoints) spent = true;
  };
  const restore = () => (store.save = save);
  // An hour: these passes end by the checkpoints counted, never by their paced calls' turns.
  return Object.assign(Budget.of(3_600_000, () => (spent ? Number.POSITIVE_INFINITY : 0)), { restore });
}

function setup() {
  const time = new VirtualTime();
  const parameters = new InMemoryParameterStore();
  const places = new InMemoryPlaces(HOME, parameters);
  const mappings = new InMemoryMappings();
  const store = new InMemorySyncProgress();
  const log = new RecordingLog();
  const deps: ReplicatorDependencies = {
    parameters,
    places,
    mappings,
    sourceIndex: new InMemorySourceIndex(),
    log,
    concurrency: 3,
    pacing: time.clock,
    settings: { destinationPrefixes: parsePrefixes('/app', 'REPLICATION_DESTINATION_PREFIXES'), replicaTargets: TARGETS, bulkWritesPerSecond: 4, bulkReadsPerSecond: 20 },
  };
  let invocation = 0;
  /** One syncer invocation that runs out of time after `checkpoints` saves (never, by default). */
  const invoke = async (trigger: SyncTrigger, checkpoints = Number.POSITIVE_INFINITY): Promise<SyncOutcome<ReplicationSyncReport>> => {
    const budget = budgetFor(store, checkpoints);
    try {
      return await runSyncPass(
        { store, job: REPLICATION_JOB, owner: `invocation-${++invocation}`, trigger, budget, log, now: time.clock.now },
        new ReplicationSyncer(deps),
      );
    } finally {
      (budget as Budget & { restore(): void }).restore();
    }
  };
  return { time, parameters, dr: places.parametersIn(DR), mappings, store, deps, invoke, log };
}

describe('work that continues across invocations', () => {
  describe('workInOrder', () => {
    it('names in its checkpoint only an item all of whose predecessors are done', async () => {
      let spent = false;
      const budget = Budget.of(60_000, () => (spent ? Number.POSITIVE_INFINITY : 0));
      const done: number[] = [];
      const checkpoints: number[] = [];
      const result = await workInOrder([1, 2, 3, 4, 5, 6, 7, 8], {
        budget,
        chunkSize: 4,
        concurrency: 2,
        work: async (item) => {
          done.push(item);
          // Time runs out while the sixth item is worked on: the seventh is never started.
          if (item === 6) spent = true;
        },
        checkpoint: async (last) => {
          checkpoints.push(last);
        },
      });
      expect(result).to.deep.equal({ finished: false, last: 6 });
      expect(checkpoints).to.deep.equal([4, 6]);
      expect(done).to.deep.equal([1, 2, 3, 4, 5, 6]);
    });
  });

  describe('paced bulk work', () => {
    it('spaces writes to each place at its own pace and carries the pace over to the next holder', async () => {
      const { time, parameters, deps } = setup();
      const paced = new PacedBulkWork(deps, time.now + 500);
      const home = paced.dependencies.parameters;
      const dr = paced.dependencies.places!.parametersIn(DR);
      const start = time.now;
      for (let index = 0; index < 3; index++) await dr.write({ name: `/dr/${index}`, type: 'String', value: 'v' });
      // The target's 1 write/s, after the 500 ms the last holder's pace asked for.
      expect(time.now - start).to.equal(2_500);
      const homeStart = time.now;
      for (let index = 0; index < 5; index++) await home.write({ name: `/app/${index}`, type: 'String', value: 'v' });
      // Home's 4 writes/s: the first is due already; four more 250 ms apart.
      expect(time.now - homeStart).to.equal(1_000);
      expect(await paced.notBefore()).to.equal(time.now + 250);
      expect(parameters.calls.of('write')).to.equal(5);
    });

    it('logs each turn as the pace decided it: the place, the pace, the name written and when the call may start', async () => {
      const { time, deps, log } = setup();
      const paced = new PacedBulkWork(deps, time.now + 500);
      const start = time.now;
      await paced.dependencies.places!.parametersIn(DR).write({ name: '/dr/a', type: 'String', value: 'v' });
      await paced.dependencies.places!.parametersIn(DR).retag('/dr/a', { team: 'x' }, ['old']);
      await paced.dependencies.parameters.readDecrypted(['/app/a']);
      const turns = log.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.message === 'bulk call paced');
      // The target's 1 write/s after the 500 ms carried over; home's reads start at the carried-over time.
      expect(turns).to.deep.equal([
        { level: 'debug', message: 'bulk call paced', parameter_name: '/dr/a', place: 'eu-central-1/210987654321', calls: 'writes', turn_at: start + 500 },
        { level: 'debug', message: 'bulk call paced', parameter_name: '/dr/a', place: 'eu-central-1/210987654321', calls: 'writes', turn_at: start + 1_500 },
        { level: 'debug', message: 'bulk call paced', parameter_name: '/dr/a', place: 'eu-central-1/210987654321', calls: 'writes', turn_at: start + 2_500 },
        { level: 'debug', message: 'bulk call paced', place: 'eu-west-1/123456789012', calls: 'reads', turn_at: start + 2_500 },
      ]);
    });

    it('takes a turn for each tag call and each deleted name, none for a retag with nothing to change', async () => {
      const { time, parameters, deps } = setup();
      parameters.put('/app/a', 'v');
      parameters.put('/app/b', 'v');
      const home = new PacedBulkWork(deps).dependencies.parameters;
      const start = time.now;
      await home.retag('/app/a', { team: 'x' }, ['old']);
      await home.retag('/app/a', {}, []);
      await home.deleteParameters(['/app/a', '/app/b']);
      // Four calls at 4/s: the first at once, three more a quarter second apart.
      expect(time.now - start).to.equal(750);
    });
    it('spaces read calls to each place at its own pace, counted as the adapter makes them, and carries the later pace over', async () => {
      const { time, parameters, dr, deps } = setup();
      const names = Array.from({ length: 25 }, (_, index) => `/app/${index}`);
      for (const name of names) parameters.put(name, 'v');
      for (let index = 0; index < 120; index++) dr.put(`/dr/${String(index).padStart(3, '0')}`, 'v');
      const paced = new PacedBulkWork(deps, time.now + 100);
      const start = time.now;
      // 25 names are three GetParameters calls: at home's 20/s, after the 100 ms carried over.
      expect(await paced.dependencies.parameters.readDecrypted(names)).to.have.property('size', 25);
      expect(parameters.calls.of('GetParameters')).to.equal(3);
      expect(time.now - start).to.equal(100 + 2 * 50);
      // 120 names under a prefix are three listing pages: three calls at the target's 5/s.
      const drStart = time.now;
      const listed: string[] = [];
      for await (const name of paced.dependencies.places!.parametersIn(DR).namesUnder('/dr/')) listed.push(name);
      expect(listed).to.have.length(120);
      expect(time.now - drStart).to.equal(2 * 200);
      // The target's read pace is the later one: the next holder's first call waits for it.
      expect(await paced.notBefore()).to.equal(time.now + 200);
    });

    it('leaves live replication of a single change unpaced, at home and in a target', async () => {
      const { time, parameters, dr, mappings, deps } = setup();
      parameters.put('/src/a', 'v1');
      const destinations = [...Array.from({ length: 30 }, (_, index) => `/app/${index}`), drArn('/dr/a')];
      for (const destination of destinations) mappings.set({ destination, source: '/src/a', type: 'app' });
      await deps.sourceIndex.add(destinations.map((destination) => ({ source: '/src/a', destination })));
      const change = { kind: 'put', action: 'PutParameter', name: '/src/a', eventId: 'e1', eventTime: time.now, author: { name: 'someone' }, account: HOME.account, region: HOME.region } as const;
      const outcomes = await new Replicator(deps).onParameterChanged(change);
      expect(outcomes.filter((outcome) => outcome.result === 'written')).to.have.length(31);
      expect(dr.current('/dr/a')?.value).to.equal('v1');
      // Dozens of reads and 31 writes, far above either pace, and not one wait.
      expect(parameters.calls.of('GetParameters')).to.be.greaterThan(20);
      expect(time.sleeps).to.be.empty;
    });
  });

  describe('the replication syncer', () => {
    function drifted(parameters: InMemoryParameterStore, mappings: InMemoryMappings, count: number) {
      for (let index = 0; index < count; index++) {
        const name = String(index).padStart(3, '0');
        parameters.put(`/src/${name}`, `value-${index}`);
        mappings.set({ destination: `/app/${name}`, source: `/src/${name}`, type: 'app' });
        parameters.put(`/app/${name}`, index % 5 === 0 ? 'drifted' : `value-${index}`);
      }
    }

    it('reads at home at the home read pace, one call after another, so a pass lasts its paced floor', async () => {
      const { time, parameters, mappings, invoke } = setup();
      for (let index = 0; index < 250; index++) {
        parameters.put(`/src/${index}`, 'v');
        parameters.put(`/app/${index}`, 'v');
        mappings.set({ destination: `/app/${index}`, source: `/src/${index}`, type: 'app' });
      }
      const start = time.now;
      expect(await invoke('start')).to.deep.include({ status: 'finished' });
      const calls = parameters.calls.of('GetParameters');
      // 500 names, ten to a call; at 20 calls a second the last starts (calls - 1) / 20 s in.
      expect(calls).to.equal(50);
      expect(time.now - start).to.equal((calls - 1) * 50);
    });

    it('continues a pass from its last checkpoint, so no destination is judged or written twice', async () => {
      const { parameters, mappings, invoke } = setup();
      drifted(parameters, mappings, 250);
      // Out of time after the index and the first chunk of mappings.
      const first = await invoke('start', 2);
      expect(first).to.deep.include({ status: 'continuing', invocations: 1 });
      expect(parameters.calls.of('write')).to.equal(20);
      // The start schedule fires again: the open pass continues, it does not begin anew.
      const second = await invoke('start', 1);
      expect(second).to.deep.include({ status: 'continuing', invocations: 2 });
      const last = await invoke('continue');
      expect(last).to.deep.include({ status: 'finished', invocations: 3 });
      expect((last as { report: ReplicationSyncReport }).report).to.deep.include({ mappings: 250, written: 50, inSync: 200 });
      expect(parameters.calls.of('write')).to.equal(50);
      for (let index = 0; index < 250; index += 5) expect(parameters.current(`/app/${String(index).padStart(3, '0')}`)?.value).to.equal(`value-${index}`);
      // Nothing open: the continuation schedule finds nothing to do.
      expect(await invoke('continue')).to.deep.equal({ status: 'idle' });
    });

    it('repairs a large mirror across invocations, behind the last replica it wrote, at the target’s pace', async () => {
      const { time, parameters, dr, mappings, invoke } = setup();
      for (let index = 0; index < 120; index++) parameters.put(`/team/${String(index).padStart(3, '0')}`, `v${index}`);
      mappings.set({ destination: drArn('/dr/team/'), source: '/team/', type: 'mirror' });
      const writtenAt: number[] = [];
      const write = dr.write.bind(dr);
      dr.write = async (parameter) => {
        writtenAt.push(time.now);
        return write(parameter);
      };
      // Index, mappings, then one chunk of the mirror.
      expect(await invoke('start', 3)).to.deep.include({ status: 'continuing' });
      expect(dr.calls.of('write')).to.equal(50);
      expect(await invoke('continue', 1)).to.deep.include({ status: 'continuing' });
      expect(dr.calls.of('write')).to.equal(100);
      const last = await invoke('continue');
      expect(last).to.deep.include({ status: 'finished', invocations: 3 });
      expect((last as { report: ReplicationSyncReport }).report).to.deep.include({ mirrors: 1, written: 120 });
      expect(dr.calls.of('write')).to.equal(120);
      expect(dr.snapshotNames()).to.have.length(120);
      // 1 write/s in the target, across the three invocations; reads (paced on their own) may
      // leave a longer gap between chunks, never a shorter one.
      const gaps = writtenAt.slice(1).map((at, index) => at - writtenAt[index]!);
      expect(Math.min(...gaps)).to.equal(1_000);
    });

    it('rebuilds a large source index across invocations, each writing only what is still missing', async () => {
      const { parameters, mappings, deps, store, log, time } = setup();
      drifted(parameters, mappings, 1_200);
      const index = deps.sourceIndex as InMemorySourceIndex;
      const add = index.add.bind(index);
      let adds = 0;
      index.add = async (links) => {
        adds += links.length;
        return add(links);
      };
      // Each invocation runs out of time once it has written 500 more links.
      const invoke = (trigger: SyncTrigger, owner: string) => {
        const until = adds + 500;
        // Time enough for every paced call: the invocation ends by the links it wrote.
        const budget = Budget.of(3_600_000, () => (adds >= until ? Number.POSITIVE_INFINITY : 0));
        return runSyncPass({ store, job: REPLICATION_JOB, owner, trigger, budget, log, now: time.clock.now }, new ReplicationSyncer(deps));
      };
      expect(await invoke('start', 'first')).to.deep.include({ status: 'continuing' });
      expect(await invoke('continue', 'second')).to.deep.include({ status: 'continuing' });
      expect(index.sorted()).to.have.length(1_000);
      const last = await invoke('continue', 'third');
      expect(last).to.deep.include({ status: 'finished', invocations: 3 });
      expect((last as { report: ReplicationSyncReport }).report).to.deep.include({ linksAdded: 1_200, written: 240 });
      expect(adds).to.equal(1_200);
    });

    it('ends every invocation before its timeout at a slow read pace, and still finishes a mirror\'s repair', async () => {
      const { parameters, mappings, store, deps, log, time } = setup();
      for (let index = 0; index < 300; index++) parameters.put(`/team/${String(index).padStart(3, '0')}`, `v${index}`);
      mappings.set({ destination: '/app/team/', source: '/team/', type: 'mirror' });
      const slow: ReplicatorDependencies = { ...deps, settings: { ...deps.settings, bulkReadsPerSecond: 1 } };
      const lasted: number[] = [];
      let outcome: SyncOutcome<ReplicationSyncReport> | undefined;
      for (let invocation = 1; invocation <= 40 && outcome?.status !== 'finished'; invocation++) {
        const start = time.now;
        const budget = Budget.of(300_000, time.clock.now);
        outcome = await runSyncPass(
          { store, job: REPLICATION_JOB, owner: `slow-${invocation}`, trigger: invocation === 1 ? 'start' : 'continue', budget, log, now: time.clock.now },
          new ReplicationSyncer(slow),
        );
        lasted.push(time.now - start);
        time.now += 60_000;
      }
      expect(outcome).to.deep.include({ status: 'finished' });
      expect(Math.max(...lasted)).to.be.at.most(300_000);
      expect(parameters.snapshotNames().filter((name) => name.startsWith('/app/team/'))).to.have.length(300);
    });

    it('gives way to another invocation that holds the job, and begins the pass its start asked for once the job is free', async () => {
      const { parameters, mappings, store, invoke, time } = setup();
      drifted(parameters, mappings, 10);
      const other = { job: REPLICATION_JOB, owner: 'someone-else', until: time.now + 60_000 };
      await store.claim(other, time.now);
      expect(await invoke('start')).to.deep.equal({ status: 'busy' });
      await store.release(other);
      const next = await invoke('continue');
      expect(next).to.deep.include({ status: 'finished' });
      expect((next as { report: ReplicationSyncReport }).report).to.deep.include({ mappings: 10, written: 2 });
      expect(store.items.get(REPLICATION_JOB)!.requests.size).to.equal(0);
    });

    it('begins a pass on the start schedule even while a first copy is under way, after the copy', async () => {
      const { parameters, mappings, store, invoke, dr } = setup();
      drifted(parameters, mappings, 10);
      for (let index = 0; index < 120; index++) parameters.put(`/team/${String(index).padStart(3, '0')}`, `v${index}`);
      mappings.set({ destination: drArn('/dr/team/'), source: '/team/', type: 'mirror' });
      await store.request(REPLICATION_JOB, JSON.stringify({ mirror: drArn('/dr/team/'), id: 'stream-1' }));
      // A continuation takes the copy on and runs out of time after its first chunk.
      expect(await invoke('continue', 1)).to.deep.include({ status: 'continuing' });
      expect(dr.snapshotNames()).to.have.length(50);
      const started = await invoke('start');
      expect(started).to.deep.include({ status: 'finished', invocations: 2 });
      expect((started as { report: ReplicationSyncReport }).report).to.deep.include({ mappings: 11, mirrors: 2, written: 120 + 2 });
      expect(dr.snapshotNames()).to.have.length(120);
    });

    it('counts a destination whose repair fails and repairs the rest, so one cannot hold up a pass', async () => {
      const { parameters, mappings, invoke, log } = setup();
      drifted(parameters, mappings, 10);
      const write = parameters.write.bind(parameters);
      parameters.write = async (parameter) => {
        if (parameter.name === '/app/005') throw new Error('AccessDeniedException: not this one');
        return write(parameter);
      };
      const outcome = await invoke('start');
      expect(outcome).to.deep.include({ status: 'finished' });
      expect((outcome as { report: ReplicationSyncReport }).report).to.deep.include({ written: 1, failed: 1 });
      const failures = log.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.message === 'repair failed; the next pass tries again');
      expect(failures.map((line) => line.parameter_name)).to.deep.equal(['/app/005']);
    });
  });

  describe('what a pass counts as repairs', () => {
    it('a replica the repair pass writes back into an existing mirror is a repair; the first copy the syncer finishes is not', async () => {
      const { parameters, dr, mappings, store, deps, invoke, log, time } = setup();
      for (let index = 0; index < 60; index++) parameters.put(`/team/${String(index).padStart(3, '0')}`, `v${index}`);
      const mapping = { destination: drArn('/dr/team/'), source: '/team/', type: 'mirror' };
      mappings.set(mapping);
      // The stream replicator copies 50 replicas and leaves the rest of the first copy to the syncer.
      const budget = Budget.of(120_000, () => (dr.calls.of('write') >= 50 ? Number.POSITIVE_INFINITY : 0));
      const replicator = new Replicator({ ...deps, copyMirror: firstCopier(deps, { store, owner: 'stream-1', budget, log, now: time.clock.now }) });
      await replicator.onMappingChanged(readStoredMapping(mapping), undefined, 'stream-event');
      const copied = (await invoke('continue')) as { report: ReplicationSyncReport };
      expect(copied.report).to.deep.include({ written: 10 });
      expect(REPLICATION_PASS.repairs(copied.report)['destination-rewritten']).to.equal(0);
      // An event lost: one replica of the mirror, copied long ago, is gone from the target.
      dr.delete('/dr/team/007');
      const repaired = (await invoke('start')) as { status: string; report: ReplicationSyncReport };
      expect(repaired.status).to.equal('finished');
      expect(repaired.report).to.deep.include({ written: 1 });
      expect(REPLICATION_PASS.repairs(repaired.report)['destination-rewritten']).to.equal(1);
    });
  });

  describe('a mirror’s first copy', () => {
    function bigSource(parameters: InMemoryParameterStore, count: number) {
      for (let index = 0; index < count; index++) parameters.put(`/team/${String(index).padStart(3, '0')}`, `v${index}`);
    }

    it('copies at once what its invocation has time for and leaves the rest to the syncer, which continues behind it', async () => {
      const { parameters, dr, mappings, store, deps, invoke, log, time } = setup();
      bigSource(parameters, 80);
      const mapping = { destination: drArn('/dr/team/'), source: '/team/', type: 'mirror' };
      mappings.set(mapping);
      // The stream replicator's invocation runs out of time once the first chunk of 50 is written.
      // Time enough for its paced calls (a longer timeout than the default 30 s): the invocation
      // ends by the replicas it wrote.
      const budget = Budget.of(120_000, () => (dr.calls.of('write') >= 50 ? Number.POSITIVE_INFINITY : 0));
      const copier = firstCopier(deps, { store, owner: 'stream-1', budget, log, now: time.clock.now });
      const replicator = new Replicator({ ...deps, copyMirror: copier });
      const outcome = await replicator.onMappingChanged(readStoredMapping(mapping), undefined, 'stream-event');
      expect(outcome).to.deep.include({ result: 'written', next: '/dr/team/049' });
      expect(dr.calls.of('write')).to.equal(50);
      expect([...store.items.get(REPLICATION_JOB)!.requests]).to.deep.equal([JSON.stringify({ mirror: drArn('/dr/team/'), after: '/dr/team/049', id: 'stream-event' })]);
      // The continuation schedule takes the request on.
      const continued = await invoke('continue');
      expect(continued).to.deep.include({ status: 'finished' });
      expect((continued as { report: ReplicationSyncReport }).report).to.deep.include({ mirrors: 1, written: 30 });
      expect(dr.calls.of('write')).to.equal(80);
      expect(store.items.get(REPLICATION_JOB)!.requests.size).to.equal(0);
    });

    it('reads the source at home’s read pace', async () => {
      const { parameters, dr, mappings, store, deps, log, time } = setup();
      bigSource(parameters, 30);
      const mapping = { destination: drArn('/dr/team/'), source: '/team/', type: 'mirror' };
      mappings.set(mapping);
      const readAt: number[] = [];
      const withReadTurns = parameters.withReadTurns.bind(parameters);
      parameters.withReadTurns = (turn) =>
        withReadTurns(async () => {
          await turn();
          readAt.push(time.now);
        });
      const copier = firstCopier(deps, { store, owner: 'stream-1', budget: Budget.of(300_000, time.clock.now), log, now: time.clock.now });
      expect(await new Replicator({ ...deps, copyMirror: copier }).onMappingChanged(readStoredMapping(mapping), undefined)).to.deep.include({ result: 'written' });
      expect(dr.snapshotNames()).to.have.length(30);
      // A listing page, then values, metadata and each parameter's tags: 20 calls a second.
      expect(readAt.length).to.be.greaterThan(30);
      const gaps = readAt.slice(1).map((at, index) => at - readAt[index]!);
      expect(Math.min(...gaps)).to.equal(50);
    });

    for (const readsPerSecond of [0.5, 1, 2, 5, 10]) {
      it(`never reads past its invocation's time at ${readsPerSecond} reads a second, leaving what it could not list or copy to the syncer`, async () => {
        const { parameters, mappings, store, deps, log, time } = setup();
        for (let index = 0; index < 1000; index++) parameters.put(`/team/${String(index).padStart(4, '0')}`, `v${index}`);
        const slow: ReplicatorDependencies = { ...deps, settings: { ...deps.settings, bulkReadsPerSecond: readsPerSecond } };
        const mapping = { destination: '/app/team/', source: '/team/', type: 'mirror' };
        mappings.set(mapping);
        const start = time.now;
        const copier = firstCopier(slow, { store, owner: 'stream-1', budget: Budget.of(30_000, time.clock.now), log, now: time.clock.now });
        await new Replicator({ ...slow, copyMirror: copier }).onMappingChanged(readStoredMapping(mapping), undefined, 'stream-event');
        expect(time.now - start).to.be.at.most(30_000);
        // Whatever it did not finish is the replication job's to continue.
        expect(store.items.get(REPLICATION_JOB)!.requests.size).to.equal(1);
      });
    }

    it('asks the syncer for the whole copy while the syncer holds the job', async () => {
      const { parameters, dr, mappings, store, deps, log, time, invoke } = setup();
      bigSource(parameters, 10);
      const mapping = { destination: drArn('/dr/team/'), source: '/team/', type: 'mirror' };
      mappings.set(mapping);
      await store.claim({ job: REPLICATION_JOB, owner: 'syncer', until: time.now + 1_000 }, time.now);
      const copier = firstCopier(deps, { store, owner: 'stream-1', budget: Budget.of(30_000, time.clock.now), log, now: time.clock.now });
      const outcome = await new Replicator({ ...deps, copyMirror: copier }).onMappingChanged(readStoredMapping(mapping), undefined);
      expect(outcome).to.deep.include({ result: 'waiting' });
      expect(dr.calls.of('write')).to.equal(0);
      time.now += 2_000;
      expect(await invoke('continue')).to.deep.include({ status: 'finished' });
      expect(dr.snapshotNames()).to.have.length(10);
    });
  });
});
