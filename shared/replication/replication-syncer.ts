/**
 * The scheduled repair of replication: every destination and the whole source index, as a
 * pass that continues across invocations, and the mirrors' first copies left to it.
 */
import { chunk, collect } from '../concurrency.ts';
import { messageOf } from '../log.ts';
import { runWholePass, type PassStep, type PassTools, type SyncPass, type SyncTrigger } from '../sync/sync-pass.ts';
import { TimeUpError } from '../sync/budget.ts';
import { workInOrder } from '../sync/ordered-work.ts';
import { linkKey, sourcesOf } from './mapping.ts';
import { PacedBulkWork } from './paced-bulk-work.ts';
import { placeKey, type Place } from './places.ts';
import { parametersAt } from './decisions.ts';
import { Replicator, type MirrorCounts, type ReplicatorDependencies } from './replicator.ts';
import { indexedLinks, judgeReplication, type ParameterReader } from './rules.ts';
import type { MirrorMapping, ParameterMapping, ReplicationMapping, SourceLink } from './types.ts';

export { REPLICATION_JOB } from '../sync/jobs.ts';

/** Mappings judged together (their reads batched) and checkpointed together. */
const MAPPING_CHUNK = 100;

/** Source index links written between two looks at the budget: twenty BatchWriteItem calls. */
const INDEX_CHUNK = 500;

export interface ReplicationSyncReport {
  readonly mappings: number;
  readonly invalid: number;
  readonly linksAdded: number;
  readonly linksRemoved: number;
  readonly written: number;
  readonly inSync: number;
  readonly refused: number;
  /** Destinations with a missing source: nothing written, as the rule says. */
  readonly waiting: number;
  /** Mirror mappings copied (their replicas are counted in written, inSync, refused, deleted). */
  readonly mirrors: number;
  /** Replicas deleted because their source is gone. */
  readonly deleted: number;
  /** Destinations and replicas whose repair failed (logged with the reason); the next pass tries again. */
  readonly failed: number;
  /**
   * Of the replicas written, and of those deleted, how many new mirrors' first copies made:
   * the copy's work, not a repair of anything the events missed. Absent in a report an
   * earlier release saved.
   */
  readonly firstCopyWrites?: number;
  readonly firstCopyDeletes?: number;
}

/**
 * Where the job stands: mirrors' first copies under way (mirror → the replica they are done
 * up to, `''` for none yet) and, while a repair pass is open, its phase and place in it.
 */
export interface ReplicationSyncCursor {
  readonly copies: Readonly<Record<string, string>>;
  readonly pass?: RepairCursor;
}

/** Mappings go upstream first: `after` is the [level, destination] last done. */
export type RepairCursor =
  | { readonly phase: 'index' }
  | { readonly phase: 'mappings'; readonly after?: readonly [number, string] }
  | { readonly phase: 'mirrors'; readonly mirror?: string; readonly after?: string };

/**
 * What another function asks of the job: copy a mirror from its first replica, or finish its
 * copy behind `after`. `id` (the asking event's) makes every request a string of its own, so
 * acknowledging one never drops another asked for meanwhile.
 */
export interface CopyRequest {
  readonly mirror: string;
  readonly after?: string;
  readonly id: string;
}

/** A copy request as the progress table's string set holds it. */
export function copyRequest(request: CopyRequest): string {
  return JSON.stringify(request);
}

const ZERO: ReplicationSyncReport = {
  mappings: 0,
  invalid: 0,
  linksAdded: 0,
  linksRemoved: 0,
  written: 0,
  inSync: 0,
  refused: 0,
  waiting: 0,
  mirrors: 0,
  deleted: 0,
  failed: 0,
  firstCopyWrites: 0,
  firstCopyDeletes: 0,
};

/**
 * A repair pass, phase by phase: the source index rebuilt from every mapping; every app and
 * merge mapping judged by the replication rule — reading the sources and destinations it
 * allows, and only those, in batched GetParameters calls — and the drifted ones repaired,
 * upstream first, a chunk at a time (a chunk is judged after the chunks upstream of it were
 * written, so one pass converges a chain A→B→C); then each mirror compared whole with its
 * replicas (hand edits, hand deletes, tags, lost deletes).
 *
 * Every write is paced to its place's `bulkWritesPerSecond`, the pass checkpoints after every
 * chunk and stops in time, and the next invocation continues behind the last checkpoint. A
 * mirror's first copy that its stream record could not finish is taken on first.
 *
 * @example
 * const outcome = await runSyncPass({ store, job: REPLICATION_JOB, owner, trigger, budget, log }, new ReplicationSyncer(deps));
 */
export class ReplicationSyncer implements SyncPass<ReplicationSyncCursor, ReplicationSyncReport> {
  constructor(private readonly deps: ReplicatorDependencies) {}

  begin(trigger: SyncTrigger): { cursor: ReplicationSyncCursor; report: ReplicationSyncReport } {
    return { cursor: trigger === 'start' ? { copies: {}, pass: { phase: 'index' } } : { copies: {} }, report: ZERO };
  }

  /** The whole pass in one call, without a lease or a time limit: tests and one-off repairs. */
  sync(): Promise<ReplicationSyncReport> {
    return runWholePass(this);
  }

  hasWork(progress: { readonly requests: readonly string[] }): boolean {
    return progress.requests.length > 0;
  }

  /** A start asked for while only first copies were under way begins its pass after them. */
  resume(cursor: ReplicationSyncCursor, startAsked: boolean): ReplicationSyncCursor {
    return startAsked && !cursor.pass ? { ...cursor, pass: { phase: 'index' } } : cursor;
  }

  async run(
    cursor: ReplicationSyncCursor,
    report: ReplicationSyncReport,
    tools: PassTools<ReplicationSyncCursor, ReplicationSyncReport>,
  ): Promise<PassStep<ReplicationSyncCursor, ReplicationSyncReport>> {
    const paced = new PacedBulkWork(this.deps, tools.progress.notBefore, tools.budget);
    const run = new RepairRun(paced.dependencies, { ...cursor, copies: withRequests(cursor.copies, tools.progress.requests) }, report, tools);
    const finished = await run.work();
    return { done: finished, cursor: run.cursor, report: run.report, handled: run.unacknowledged(), notBefore: await paced.notBefore() };
  }
}

/** One invocation's work on the job, keeping the cursor and the counts as it goes. */
class RepairRun {
  private readonly replicator: Replicator;
  private handled: readonly string[];
  private mappings: Promise<{ mappings: ReplicationMapping[]; invalid: number }> | undefined;

  constructor(
    private readonly deps: ReplicatorDependencies,
    public cursor: ReplicationSyncCursor,
    public report: ReplicationSyncReport,
    private readonly tools: PassTools<ReplicationSyncCursor, ReplicationSyncReport>,
  ) {
    this.replicator = new Replicator(deps);
    // The requests are in the cursor from the first checkpoint on.
    this.handled = tools.progress.requests;
  }

  /** The requests taken into the cursor that no checkpoint has acknowledged yet. */
  unacknowledged(): readonly string[] {
    return this.handled;
  }

  /** True when nothing is left: no copy under way and no pass open. */
  async work(): Promise<boolean> {
    if (!(await this.copies())) return false;
    let pass = this.cursor.pass;
    while (pass && !this.tools.budget.spent()) {
      switch (pass.phase) {
        case 'index':
          if (!(await this.rebuildIndex())) return false;
          break;
        case 'mappings':
          if (!(await this.repairMappings(pass.after))) return false;
          break;
        case 'mirrors':
          if (!(await this.repairMirrors(pass))) return false;
          break;
      }
      pass = this.cursor.pass;
    }
    return !this.cursor.pass && Object.keys(this.cursor.copies).length === 0;
  }

  private async save(cursor: ReplicationSyncCursor, report = this.report): Promise<void> {
    this.cursor = cursor;
    this.report = report;
    await this.tools.checkpoint(cursor, report, this.handled.length > 0 ? this.handled : undefined);
    this.handled = [];
  }

  /** Mirrors' first copies under way, oldest name first; false when time ran out. */
  private async copies(): Promise<boolean> {
    for (const mirror of Object.keys(this.cursor.copies).sort()) {
      if (this.tools.budget.spent()) return false;
      const mapping = await this.storedMirror(mirror);
      const without = () => Object.fromEntries(Object.entries(this.cursor.copies).filter(([name]) => name !== mirror));
      if (!mapping) {
        await this.save({ ...this.cursor, copies: without() });
        continue;
      }
      const done = await this.copyMirror(
        mapping,
        this.cursor.copies[mirror] || undefined,
        (after) => ({ ...this.cursor, copies: { ...this.cursor.copies, [mirror]: after } }),
        firstCopy,
      );
      if (!done) return false;
      await this.save({ ...this.cursor, copies: without() });
    }
    return true;
  }

  /**
   * Copies one mirror behind `after`, saving `at(replica)` after each chunk; true when done.
   * `counted` says what its writes and deletes are: a new mirror's first copy, or the repair
   * pass's, whose every write is a replica the events should have kept.
   */
  private async copyMirror(
    mapping: MirrorMapping,
    after: string | undefined,
    at: (after: string) => ReplicationSyncCursor,
    counted: (counts: MirrorCounts) => Partial<Record<keyof ReplicationSyncReport, number>>,
  ): Promise<boolean> {
    const base = this.report;
    const outcome = await this.replicator.mirror(mapping, {}, {
      ...(after !== undefined && { after }),
      mappings: (await this.readMappings()).mappings,
      budget: this.tools.budget,
      atLeastOne: true,
      checkpoint: (done, counts) => this.save(at(done), added(base, counted(counts))),
    });
    this.report = outcome.replicas ? added(base, counted(outcome.replicas)) : { ...base, refused: base.refused + 1 };
    if (outcome.next === undefined) this.report = { ...this.report, mirrors: this.report.mirrors + 1 };
    return outcome.next === undefined;
  }

  private async storedMirror(destination: string): Promise<MirrorMapping | undefined> {
    const stored = await this.deps.mappings.get(destination);
    return stored?.valid && stored.mapping.type === 'mirror' ? stored.mapping : undefined;
  }

  /**
   * Every mapping, read whole once per invocation: the levels and the cycle check need all of
   * them. A mapping changed since is the stream replicator's to replicate.
   */
  private readMappings(): Promise<{ mappings: ReplicationMapping[]; invalid: number }> {
    this.mappings ??= this.scanMappings();
    return this.mappings;
  }

  private async scanMappings(): Promise<{ mappings: ReplicationMapping[]; invalid: number }> {
    const mappings: ReplicationMapping[] = [];
    let invalid = 0;
    for await (const stored of this.deps.mappings.scan()) {
      if (stored.valid) {
        mappings.push(stored.mapping);
        continue;
      }
      invalid++;
      this.deps.log.error('invalid mapping skipped', { parameter_name: stored.destination, reason: stored.error.message });
    }
    return { mappings, invalid };
  }

  /**
   * Makes the source index exactly the projection of the mappings, a chunk of links at a
   * time; false when time ran out. The phase needs no cursor: the next invocation compares
   * again and finds only what is still missing or stale.
   */
  private async rebuildIndex(): Promise<boolean> {
    // The index is read before the mappings: a link the stream replicator adds for a mapping
    // created meanwhile is then never in `stored`, so it can never look stale.
    const stored = new Map((await collect(this.deps.sourceIndex.scan())).map((link) => [linkKey(link), link]));
    const { mappings, invalid } = await this.readMappings();
    const wanted = new Map(mappings.flatMap(indexedLinks).map((link) => [linkKey(link), link]));
    const missing = [...wanted].filter(([key]) => !stored.has(key)).map(([, link]) => link);
    const stale = [...stored].filter(([key]) => !wanted.has(key)).map(([, link]) => link);
    const done = { added: 0, removed: 0 };
    const apply = async (links: SourceLink[], write: (batch: SourceLink[]) => Promise<void>, count: 'added' | 'removed') => {
      for (const batch of chunk(links, INDEX_CHUNK)) {
        // One batch at least, so that an invocation always gets somewhere.
        if (done.added + done.removed > 0 && this.tools.budget.spent()) return false;
        await write(batch);
        done[count] += batch.length;
      }
      return true;
    };
    const finished =
      (await apply(missing, (batch) => this.deps.sourceIndex.add(batch), 'added')) &&
      (await apply(stale, (batch) => this.deps.sourceIndex.remove(batch), 'removed'));
    if (done.added + done.removed > 0) {
      this.deps.log.info('source index repaired', { links_added: done.added, links_removed: done.removed });
    }
    const report = {
      ...this.report,
      mappings: mappings.length,
      invalid,
      linksAdded: this.report.linksAdded + done.added,
      linksRemoved: this.report.linksRemoved + done.removed,
    };
    await this.save(finished ? { ...this.cursor, pass: { phase: 'mappings' } } : this.cursor, report);
    return finished;
  }

  /** App and merge mappings upstream first, behind `after`; false when time ran out. */
  private async repairMappings(after: readonly [number, string] | undefined): Promise<boolean> {
    const { mappings } = await this.readMappings();
    const byDestination = new Map(mappings.map((mapping) => [mapping.destination, mapping]));
    const lookup = async (name: string) => byDestination.get(name);
    const parameterMappings = mappings.filter((mapping): mapping is ParameterMapping => mapping.type !== 'mirror');
    const ordered = ordering(parameterMappings, byDestination).filter(([level, mapping]) => !after || compareKey([level, mapping.destination], after) > 0);
    const readers = new Map<string, ParameterReader>();
    const judgement = {
      settings: this.deps.settings,
      lookup,
      read: batchedReads((names) => this.deps.parameters.readDecrypted(names)),
      readIn: (place: Place, names: readonly string[]) => {
        const key = placeKey(place);
        let reader = readers.get(key);
        if (!reader) readers.set(key, (reader = batchedReads((batch) => parametersAt(this.deps, place).readDecrypted(batch))));
        return reader(names);
      },
      places: this.deps.places,
    };
    const counts = { written: 0, inSync: 0, refused: 0, waiting: 0, failed: 0 };
    const base = this.report;
    const verdicts = new Map<string, string>();
    let progressed = false;
    const work = (level: [number, ParameterMapping][]) => workInOrder(level, {
      budget: this.tools.budget,
      // Reading every mapping may take most of a short invocation: it must still move on.
      atLeastOne: !progressed,
      chunkSize: MAPPING_CHUNK,
      concurrency: this.deps.concurrency ?? 4,
      // A chunk is judged together, its reads batched; the chunks upstream of it are written by now.
      prepare: async (items) => {
        verdicts.clear();
        await Promise.all(items.map(async ([, mapping]) => verdicts.set(mapping.destination, (await judgeReplication(mapping, judgement)).action)));
      },
      work: async ([, mapping]) => {
        // The judgement only finds the destinations worth a look: judging again and writing
        // is the replicator's, which reads again right before writing, so a source changed
        // since is never written back over by its older value.
        if (verdicts.get(mapping.destination) === 'none') {
          counts.inSync++;
          return;
        }
        let outcome;
        try {
          outcome = await this.replicator.replicate(mapping, { lookup });
        } catch (error) {
          // Out of time is not a failure: the next invocation starts again at this destination.
          if (error instanceof TimeUpError) throw error;
          // One destination must not hold up every one after it, pass after pass.
          counts.failed++;
          this.deps.log.error('repair failed; the next pass tries again', { parameter_name: mapping.destination, reason: messageOf(error) });
          return;
        }
        if (outcome.result === 'written') counts.written++;
        else if (outcome.result === 'refused') counts.refused++;
        else if (outcome.result === 'waiting') counts.waiting++;
        else counts.inSync++;
      },
      checkpoint: ([level, mapping]) => {
        progressed = true;
        return this.save({ ...this.cursor, pass: { phase: 'mappings', after: [level, mapping.destination] } }, added(base, counts));
      },
    });
    // One level at a time: a chunk judged before the level upstream of it is written would
    // find a stale source in sync.
    let finished = true;
    for (const level of byLevel(ordered)) {
      ({ finished } = await work(level));
      if (!finished) break;
    }
    this.report = added(base, counts);
    if (finished) await this.save({ ...this.cursor, pass: { phase: 'mirrors' } });
    return finished;
  }

  /** Each mirror whole, in destination order behind the cursor; false when time ran out. */
  private async repairMirrors(cursor: Extract<RepairCursor, { phase: 'mirrors' }>): Promise<boolean> {
    const { mappings } = await this.readMappings();
    const mirrors = mappings
      .filter((mapping): mapping is MirrorMapping => mapping.type === 'mirror')
      .filter((mirror) => cursor.mirror === undefined || mirror.destination > cursor.mirror || (mirror.destination === cursor.mirror && cursor.after !== undefined))
      .sort((a, b) => (a.destination < b.destination ? -1 : 1));
    for (const mirror of mirrors) {
      if (this.tools.budget.spent()) return false;
      const after = mirror.destination === cursor.mirror ? cursor.after : undefined;
      const at = (done: string): ReplicationSyncCursor => ({ ...this.cursor, pass: { phase: 'mirrors', mirror: mirror.destination, after: done } });
      if (!(await this.copyMirror(mirror, after, at, asRepairs))) return false;
      await this.save({ ...this.cursor, pass: { phase: 'mirrors', mirror: mirror.destination } });
    }
    await this.save({ copies: this.cursor.copies });
    this.deps.log.info('replication sync finished', { ...this.report });
    return true;
  }
}

/**
 * The copies under way with the requests added. A request to copy from the start (a mirror
 * new or changed since) starts that copy again; one to finish behind a replica moves a copy
 * on, never back.
 */
function withRequests(copies: Readonly<Record<string, string>>, requests: readonly string[]): Record<string, string> {
  const merged: Record<string, string> = { ...copies };
  const parsed = requests.map((raw) => JSON.parse(raw) as CopyRequest);
  const fromStart = new Set(parsed.filter((request) => request.after === undefined).map((request) => request.mirror));
  for (const mirror of fromStart) merged[mirror] = '';
  for (const { mirror, after } of parsed) {
    const known = merged[mirror];
    if (after !== undefined && !fromStart.has(mirror) && (known === undefined || after > known)) merged[mirror] = after;
  }
  return merged;
}

/** The report with `counts` added to its counters. */
function added(report: ReplicationSyncReport, counts: Partial<Record<keyof ReplicationSyncReport, number>>): ReplicationSyncReport {
  // A report saved by an earlier release may lack a counter added since: it counts from 0.
  const sum: { -readonly [Counter in keyof ReplicationSyncReport]-?: number } = { ...ZERO, ...report } as Required<ReplicationSyncReport>;
  for (const [counter, value] of Object.entries(counts) as [keyof ReplicationSyncReport, number][]) sum[counter] += value;
  return sum;
}

/** A first copy's counts, its writes and deletes also counted as the first copies'. */
function firstCopy(counts: MirrorCounts): Partial<Record<keyof ReplicationSyncReport, number>> {
  return { ...counts, firstCopyWrites: counts.written, firstCopyDeletes: counts.deleted };
}

/** The repair pass's counts of a mirror: each write and delete a repair. */
function asRepairs(counts: MirrorCounts): Partial<Record<keyof ReplicationSyncReport, number>> {
  return counts;
}

/** Consecutive runs of one level, in order. */
function byLevel<T>(ordered: readonly [number, T][]): [number, T][][] {
  const levels: [number, T][][] = [];
  for (const entry of ordered) {
    const current = levels.at(-1);
    if (current && current[0]?.[0] === entry[0]) current.push(entry);
    else levels.push([entry]);
  }
  return levels;
}

function compareKey(a: readonly [number, string], b: readonly [number, string]): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/**
 * A reader whose reads asked for within one turn of the event loop go out as one read of
 * all their names, which the port batches ten to a GetParameters call.
 */
function batchedReads(read: ParameterReader): ParameterReader {
  let pending: { readonly names: Set<string>; readonly values: ReturnType<ParameterReader> } | undefined;
  return (names) => {
    if (!pending) {
      const batch = new Set<string>();
      const values = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        pending = undefined;
        return read([...batch]);
      });
      pending = { names: batch, values };
    }
    for (const name of names) pending.names.add(name);
    return pending.values;
  };
}

/**
 * The mappings in the order a pass repairs them: a mapping whose sources are themselves
 * destinations comes after them (its level is one more), then by destination. Mappings on a
 * cycle get the last level; the rule refuses them anyway.
 */
function ordering(
  mappings: readonly ParameterMapping[],
  byDestination: ReadonlyMap<string, ReplicationMapping>,
): [number, ParameterMapping][] {
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (mapping: ReplicationMapping): number => {
    const known = depth.get(mapping.destination);
    if (known !== undefined) return known;
    if (visiting.has(mapping.destination)) return mappings.length;
    visiting.add(mapping.destination);
    const upstream = sourcesOf(mapping).flatMap((source) => {
      const parent = byDestination.get(source);
      return parent ? [depthOf(parent) + 1] : [];
    });
    visiting.delete(mapping.destination);
    const result = Math.min(mappings.length, Math.max(0, ...upstream));
    depth.set(mapping.destination, result);
    return result;
  };
  return mappings
    .map((mapping): [number, ParameterMapping] => [depthOf(mapping), mapping])
    .sort(([a, x], [b, y]) => compareKey([a, x.destination], [b, y.destination]));
}
