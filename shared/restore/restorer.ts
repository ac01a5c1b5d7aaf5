/**
 * Point-in-time restore: plan from the audit log, apply to Parameter Store, verify.
 */
import { everSecret } from '../audit/masking.ts';
import type { AuditRecord } from '../audit/types.ts';
import { mapBounded } from '../concurrency.ts';
import { type Log, messageOf } from '../log.ts';
import type { ParameterWrite } from '../parameters.ts';
import { sourcesOf } from '../replication/mapping.ts';
import { replicaMark } from '../replication/mirror-ownership.ts';
import { sourceNameOf } from '../replication/mirror-plans.ts';
import { samePlace, type Place } from '../replication/places.ts';
import type { MirrorMapping, ReplicationMappings } from '../replication/types.ts';
import { canonicalName, concernsPath, isUnderPrefix, normalizePrefix } from '../parameter-paths.ts';
import { planRestore } from './restore-plan.ts';
import { recordsByName, stateAt } from './state-at.ts';
import type {
  ApplyProgress,
  ApplyReport,
  AuditCiphertextDecrypter,
  AuditHistory,
  DesiredState,
  RestorePlan,
  RestoreStep,
  RestoreTarget,
} from './types.ts';
import { resolveValueAt } from './value-at.ts';
import { CallPacer, type PacerClock } from '../call-pacer.ts';
import { InvariantError } from '../errors.ts';

export interface RestorerDependencies {
  readonly history: AuditHistory;
  /** Parameter Store where the audited prefix lives: what a restore writes, a clone reads. */
  readonly target: RestoreTarget;
  /**
   * Another region's or account's Parameter Store for a clone to write into; absent, a clone
   * writes beside its source, into `target`.
   */
  readonly cloneDestination?: RestoreTarget;
  /**
   * Where `cloneDestination` is. A clone there leaves alone the names this deployment's
   * mappings with an ARN destination in that place keep, as a clone at home leaves the home
   * mappings' destinations: written, the replicators would overwrite them, and a name a mirror
   * would create would be one it never takes over. Absent, only the replicas marked there are.
   */
  readonly cloneDestinationPlace?: () => Promise<Place>;
  readonly decrypter: AuditCiphertextDecrypter;
  readonly mappings: Pick<ReplicationMappings, 'scan'>;
  readonly log: Log;
  /** Value look-ups (SSM history reads, KMS decrypts) in flight at once; default 4. */
  readonly concurrency?: number;
}

export interface RestoreRequest {
  /** A parameter path; see `normalizePrefix`. */
  readonly prefix: string;
  /** Epoch ms. */
  readonly at: number;
  readonly deleteCreatedAfter?: boolean;
  /**
   * A clone: the state of `prefix` at T is planned under this other path instead (a name
   * `prefix/x` becomes `into/x`), against what that path holds now.
   */
  readonly into?: string;
}

export interface ApplyOptions {
  /** Writes and deletes per second; default 3, Parameter Store's usual write quota. */
  readonly maxTps?: number;
  readonly onProgress?: ApplyProgress;
  readonly clock?: PacerClock;
  /** Stops before the next write once aborted; what was written is verified and reported. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_MAX_TPS = 3;

/**
 * Restores a prefix of Parameter Store to its state at a point in time.
 *
 * `plan` reads everything and writes nothing: the audit records under the prefix give each
 * parameter's state at T, Parameter Store gives its state now, the replication table says
 * which names are destinations. `apply` carries a plan out at a paced rate, each restored value
 * written as a new version (history is never rewritten), then reads everything back. A plan
 * compares with what is there now, so a run stopped part way and planned again finds what
 * was written unchanged and writes only what is left. A clone (`into`) plans the prefix's
 * state at T under another path.
 *
 * @example
 * const restorer = new Restorer({ history: auditLog, target, decrypter, mappings, log });
 * const plan = await restorer.plan({ prefix: '/app', at: Date.parse('2026-03-01T10:00:00Z') });
 * const report = await restorer.apply(plan, { maxTps: 3 });
 */
export class Restorer {
  constructor(private readonly deps: RestorerDependencies) {}

  /** Where the plan's steps are written and read back: the clone's destination, else the target. */
  private get writer(): RestoreTarget {
    return this.deps.cloneDestination ?? this.deps.target;
  }

  async plan(request: RestoreRequest): Promise<RestorePlan> {
    const prefix = normalizePrefix(request.prefix);
    const into = request.into === undefined ? undefined : normalizePrefix(request.into);
    const elsewhere = this.deps.cloneDestination !== undefined;
    if (elsewhere && into === undefined) {
      throw new RangeError('a destination in another region or account is for a clone: name the path to clone into');
    }
    if (!elsewhere && into !== undefined && (isUnderPrefix(into, prefix) || isUnderPrefix(prefix, into))) {
      // The clone would read back its own writes as the source's history.
      throw new RangeError(`into: ${into} overlaps the prefix ${prefix}; clone into a path outside it`);
    }
    const [records, current, targetNow, home] = await Promise.all([
      this.recordsUnder(prefix),
      this.deps.target.parametersUnder(prefix),
      into === undefined ? undefined : this.writer.parametersUnder(into),
      // Elsewhere, only the mappings into that place keep names there.
      elsewhere ? this.destinationsElsewhere() : this.destinations(into ?? prefix),
    ]);
    const renamed = (name: string) => (into === undefined ? name : `${into}${name.slice(prefix.length)}`);
    // Every name the plan could write: what the log shows and what exists, under `into` for a clone.
    const now = targetNow ?? current;
    const written = new Set([...records.keys(), ...current.keys()].map(renamed));
    for (const name of now.keys()) written.add(name);
    const destinations = await this.withMirrorReplicas(home, [...written], now);
    if (elsewhere) for (const [name, reason] of await this.replicasElsewhere([...(targetNow?.keys() ?? [])])) if (!destinations.has(name)) destinations.set(name, reason);
    // A clone writes no destination under `into`; a restore restores none under `prefix`. They
    // are still listed, with the reason, but their state at T is never looked up.
    const names = [...records.keys()].filter((name) => !destinations.has(renamed(name)));
    // The listing already holds every parameter's latest version, decrypted: a version
    // unchanged since T is read from it instead of from Parameter Store a second time.
    const versions: Pick<RestoreTarget, 'readVersion'> = {
      readVersion: async (name, version) => {
        const latest = current.get(name);
        return latest?.version === version ? latest : this.deps.target.readVersion(name, version);
      },
    };
    const states = await mapBounded(names, this.deps.concurrency ?? 4, (name) =>
      this.desiredState(name, records.get(name) ?? [], request.at, versions),
    );
    const desired = new Map<string, DesiredState>(names.map((name, index) => [renamed(name), states[index] as DesiredState]));
    for (const name of records.keys()) if (!desired.has(renamed(name))) desired.set(renamed(name), { kind: 'untracked' });
    if (into !== undefined) {
      // Parameters with no record have no known value at T, and a clone cannot leave them "as
      // they are": the copy would silently lack them.
      for (const name of current.keys()) {
        if (!records.has(name) && !destinations.has(renamed(name))) {
          desired.set(renamed(name), { kind: 'unresolved', reason: `${name} has no audit record, so its value at T is not known` });
        }
      }
      // What the destination holds beyond the source's names did not exist under the source.
      for (const name of targetNow?.keys() ?? []) if (!desired.has(name)) desired.set(name, { kind: 'absent' });
    }
    return planRestore(desired, now, {
      prefix: into ?? prefix,
      at: request.at,
      destinations,
      deleteCreatedAfter: request.deleteCreatedAfter ?? false,
      ...(into !== undefined && { from: prefix }),
      secrets: await this.secrets(records, renamed, targetNow),
    });
  }

  async apply(plan: RestorePlan, options: ApplyOptions = {}): Promise<ApplyReport> {
    const pacer = new CallPacer(options.maxTps ?? DEFAULT_MAX_TPS, options.clock);
    const work = plan.steps.filter((step) => ['create', 'update', 'delete'].includes(step.action));
    const at = new Date(plan.at).toISOString();
    const description = plan.from === undefined ? `restored from ${at} by figgy-events` : `cloned from ${plan.from} at ${at} by figgy-events`;
    const done: RestoreStep[] = [];
    const failed: { name: string; error: string }[] = [];
    let written = 0;
    let deleted = 0;
    let notStarted = 0;

    for (const [index, step] of work.entries()) {
      await pacer.next();
      if (options.signal?.aborted) {
        notStarted = work.length - index;
        break;
      }
      try {
        if (step.action === 'delete') {
          await this.writer.delete(step.name);
          deleted++;
        } else {
          await this.writer.write(writeOf(step, description, plan.from !== undefined));
          written++;
        }
        done.push(step);
        this.deps.log.info('restored', { parameter_name: step.name, action: step.action });
      } catch (error) {
        const message = messageOf(error);
        failed.push({ name: step.name, error: message });
        this.deps.log.error('restore failed', { parameter_name: step.name, action: step.action, error: message });
      }
      options.onProgress?.({ done: index + 1, total: work.length, name: step.name, action: step.action });
    }
    const mismatches = await this.verify(done);
    return { written, deleted, failed, mismatches, ...(notStarted > 0 && { notStarted }) };
  }

  /** Reads back every parameter the apply touched and names those that are not as planned. */
  private async verify(steps: readonly RestoreStep[]): Promise<ApplyReport['mismatches']> {
    const now = await this.writer.readCurrent(steps.map((step) => step.name));
    const mismatches: { name: string; reason: string }[] = [];
    for (const step of steps) {
      const found = now.get(step.name);
      if (step.action === 'delete') {
        if (found) mismatches.push({ name: step.name, reason: 'still exists after the delete' });
        continue;
      }
      const wanted = step.atT;
      if (!wanted) continue;
      if (!found) mismatches.push({ name: step.name, reason: 'does not exist after the write' });
      else if (found.type !== wanted.type) {
        mismatches.push({ name: step.name, reason: `is a ${found.type}, restored as a ${wanted.type}` });
      } else if (found.value !== wanted.value) {
        // Someone (a replicator, a deploy) wrote it again in between: say so, never what it holds.
        mismatches.push({ name: step.name, reason: `holds another value (version ${found.version}) than the one restored` });
      }
    }
    return mismatches;
  }

  private async desiredState(
    name: string,
    records: readonly AuditRecord[],
    at: number,
    versions: Pick<RestoreTarget, 'readVersion'>,
  ): Promise<DesiredState> {
    const state = stateAt(records, at);
    switch (state.kind) {
      case 'untracked':
        return state;
      case 'unknown':
        return { kind: 'unresolved', reason: state.reason };
      case 'absent':
        return { kind: 'absent', deletedAt: state.deletedBy?.eventTime };
      case 'present': {
        const resolution = await resolveValueAt(name, state, { versions, decrypter: this.deps.decrypter }, records);
        if (!resolution.resolved) {
          // The plan carries the reason to the reader; the log only traces it.
          this.deps.log.debug('value at T unavailable', { parameter_name: name, reason: resolution.reason });
          return { kind: 'unresolved', reason: resolution.reason };
        }
        return { kind: 'present', value: resolution.value };
      }
    }
  }

  /**
   * The planned names that were ever a SecureString: from the source's records, read whole
   * already, and in a clone also the destination's own history, looked up by key for the
   * names it holds now.
   */
  private async secrets(
    records: ReadonlyMap<string, readonly AuditRecord[]>,
    renamed: (name: string) => string,
    targetNow: ReadonlyMap<string, unknown> | undefined,
  ): Promise<ReadonlySet<string>> {
    const source = await everSecret(this.deps.history, records.keys(), records, true);
    const destination = targetNow === undefined ? [] : await everSecret(this.deps.history, targetNow.keys());
    return new Set([...[...source].map(renamed), ...destination]);
  }

  private async recordsUnder(prefix: string): Promise<Map<string, AuditRecord[]>> {
    // Under the root, records kept under a root-level name without its slash count too.
    const byName = await recordsByName(this.deps.history.recordsUnder(prefix === '/' ? '' : prefix));
    for (const name of byName.keys()) if (!isUnderPrefix(name, prefix)) byName.delete(name);
    return byName;
  }

  /**
   * The destinations a plan leaves to replication: the mappings' own, and the names of `names`
   * a home mirror keeps — those marked now as its replicas (unless their source is gone and
   * the mirror keeps deleted ones), and those absent now whose source exists (the mirror
   * creates them). Any other name under a mirror's destination is one the mirror never writes
   * or deletes (see mirror-ownership.ts), so it is restored, or cloned, like any other.
   */
  private async withMirrorReplicas(home: HomeDestinations, names: readonly string[], now: ReadonlyMap<string, unknown>): Promise<Map<string, string>> {
    const destinations = new Map(home.destinations);
    const under = new Map<string, { readonly mirror: MirrorMapping; readonly source: string }>();
    for (const name of names) {
      const mirror = home.mirrors.find((candidate) => name.startsWith(candidate.target.name));
      if (mirror && !destinations.has(name)) under.set(name, { mirror, source: sourceNameOf(mirror, name) });
    }
    if (under.size === 0) return destinations;
    // A mirror's sources are at home; its replicas where the plan writes.
    const [sources, marks] = await Promise.all([
      this.deps.target.readCurrent([...new Set([...under.values()].map(({ source }) => source))]),
      this.writer.replicaMarks([...under.keys()].filter((name) => now.has(name))),
    ]);
    for (const [name, { mirror, source }] of under) {
      const mark = replicaMark(mirror);
      const sourceExists = sources.has(source);
      if (now.has(name) ? marks.get(name) !== mark || (!sourceExists && mirror.keepDeleted) : !sourceExists) continue;
      destinations.set(
        name,
        sourceExists
          ? `replica of ${source} (mirror ${mark}): restore the source`
          : `replica of ${source} (mirror ${mark}), which is gone: the mirror deletes it`,
      );
    }
    return destinations;
  }

  /**
   * In a clone to another region or account, the names there a mirror keeps (those tagged as
   * its replicas): the clone leaves them to the mirror, as a restore at home does.
   */
  private async replicasElsewhere(names: readonly string[]): Promise<Map<string, string>> {
    const marks = await this.writer.replicaMarks(names);
    return new Map([...marks].map(([name, mark]) => [name, `replica of the mirror ${mark}: restore the mirror's source, not its replica`]));
  }

  /** The destinations of the mappings into the clone's place, by their name there. */
  private async destinationsElsewhere(): Promise<HomeDestinations> {
    const destinations = new Map<string, string>();
    const mirrors: MirrorMapping[] = [];
    if (this.deps.cloneDestinationPlace === undefined) return { destinations, mirrors };
    const place = await this.deps.cloneDestinationPlace();
    for await (const stored of this.deps.mappings.scan()) {
      if (!stored.valid || stored.mapping.target.arn === undefined || !samePlace(stored.mapping.target.arn, place)) continue;
      const { mapping } = stored;
      if (mapping.type === 'mirror') mirrors.push({ ...mapping, target: { name: mapping.target.name } });
      else destinations.set(mapping.target.name, `replication destination (${mapping.destination}): restore the source (${sourcesOf(mapping).join(', ')})`);
    }
    return { destinations, mirrors };
  }

  /**
   * Every destination in the replication table, with why a plan leaves it to replication. A
   * malformed item is warned about only when it concerns `written`, the path the plan writes
   * under: a broken mapping elsewhere is not this restore's news.
   */
  private async destinations(written: string): Promise<HomeDestinations> {
    const destinations = new Map<string, string>();
    const mirrors: MirrorMapping[] = [];
    for await (const stored of this.deps.mappings.scan()) {
      if (!stored.valid) {
        // Another region's or account's (an ARN, however broken) is not this restore's to skip.
        if (stored.destination === undefined || stored.destination.startsWith('arn:')) continue;
        const name = canonicalName(stored.destination);
        // A broken mirror's prefix above the path concerns it too.
        if (!concernsPath(name, written)) continue;
        // A broken mapping still names a destination its replicator may write: skip it all the same.
        this.deps.log.warn('malformed replication mapping; its destination is still skipped (figgy-events mappings check shows why)', {
          parameter_name: name,
          error: stored.error.message,
        });
        destinations.set(name, 'replication destination (its mapping is malformed): fix the mapping, then restore its source');
        continue;
      }
      // By the parsed destination: a mapping written `x` is /x, the name a plan holds.
      const { mapping } = stored;
      // Another region's or account's replicas are not this restore's to skip.
      if (mapping.target.arn !== undefined) continue;
      if (mapping.type === 'mirror') mirrors.push(mapping);
      else destinations.set(mapping.destination, `replication destination: restore the source (${sourcesOf(mapping).join(', ')})`);
    }
    return { destinations, mirrors };
  }
}

/** The replication destinations in this region and account: names, and mirrors' prefixes. */
interface HomeDestinations {
  /** Destination → why a plan leaves it to replication. */
  readonly destinations: ReadonlyMap<string, string>;
  /** The mirrors whose destination is here. */
  readonly mirrors: readonly MirrorMapping[];
}

function writeOf(step: RestoreStep, description: string, cloned: boolean): ParameterWrite {
  const value = step.atT;
  if (!value) throw new InvariantError(`${step.name}: a ${step.action} step carries no value (a bug in the plan)`);
  // A clone encrypts with the destination's key (its own now, else the account's default),
  // never with the source's: a copy of prod must not need prod's key to read.
  const keyId = cloned ? step.now?.keyId : value.keyId;
  return {
    name: step.name,
    type: value.type,
    value: value.value,
    keyId: value.type === 'SecureString' ? keyId : undefined,
    description,
  };
}
