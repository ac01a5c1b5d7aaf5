/**
 * The restore plan: what each parameter needs so that Parameter Store is as it was at T.
 */
import type { CurrentParameter, DesiredState, RestorePlan, RestoreStep } from './types.ts';

export interface PlanOptions {
  /** The normalised prefix the plan covers. */
  readonly prefix: string;
  /** Epoch ms of the point in time. */
  readonly at: number;
  /** Replication destination → why a plan leaves it to replication (what to restore instead). */
  readonly destinations: ReadonlyMap<string, string>;
  /** Delete parameters that did not exist at T; otherwise they are only listed. */
  readonly deleteCreatedAfter: boolean;
  /** A clone's source prefix: the names planned are its names moved under `prefix`. */
  readonly from?: string;
  /** The names planned that were ever a SecureString (see `everSecret`). */
  readonly secrets: ReadonlySet<string>;
}

/**
 * Compares the desired state of each parameter with Parameter Store now.
 *
 * Values are compared decrypted, together with the type: a SecureString that holds the same
 * text under a new ciphertext is unchanged, a String that became a SecureString is not.
 * Replication destinations are skipped, because their replicator would overwrite a restored
 * value with the source's: restoring the source restores them. A parameter that did not
 * exist at T is deleted only when asked; a name the log shows that exists neither now nor at T is
 * listed as unchanged; a name with no record and none now is left out.
 *
 * @example
 * const plan = planRestore(desired, current, { prefix: '/app', at, destinations, deleteCreatedAfter: false, secrets });
 * plan.steps.filter((step) => step.action === 'update');
 */
export function planRestore(
  desired: ReadonlyMap<string, DesiredState>,
  current: ReadonlyMap<string, CurrentParameter>,
  options: PlanOptions,
): RestorePlan {
  const names = [...new Set([...desired.keys(), ...current.keys()])].sort();
  const steps: RestoreStep[] = [];
  for (const name of names) {
    const step = stepFor(name, desired.get(name) ?? { kind: 'untracked' }, current.get(name), options);
    if (step) steps.push(step);
  }
  return { prefix: options.prefix, ...(options.from !== undefined && { from: options.from }), at: options.at, steps, secrets: options.secrets };
}

function stepFor(
  name: string,
  desired: DesiredState,
  now: CurrentParameter | undefined,
  options: PlanOptions,
): RestoreStep | undefined {
  const atT = desired.kind === 'present' ? desired.value : undefined;
  const replicated = options.destinations.get(name);
  if (replicated !== undefined) return { name, action: 'skipped', skip: 'replication-destination', reason: replicated, now };
  switch (desired.kind) {
    case 'untracked':
      return now && {
        name,
        action: 'skipped',
        skip: 'untracked',
        reason: 'no audit record: not changed since auditing began (or outside the audited namespaces), left as it is',
        now,
      };
    case 'unresolved':
      return { name, action: 'skipped', skip: 'unresolved', reason: desired.reason, now };
    case 'absent': {
      // Listed all the same: a name the log shows must never vanish from the plan unexplained.
      const source = options.from !== undefined ? `${options.from}${name.slice(options.prefix.length)}` : undefined;
      if (!now) {
        const reason = source === undefined ? 'did not exist at T and does not exist now' : `${source} did not exist at T, nor does ${name} now`;
        return { name, action: 'unchanged', reason };
      }
      const why =
        source !== undefined
          ? `${source} did not exist at T`
          : desired.deletedAt === undefined
            ? 'did not exist at T (created after it)'
            : `did not exist at T (deleted ${new Date(desired.deletedAt).toISOString()}, re-created since)`;
      return options.deleteCreatedAfter
        ? { name, action: 'delete', reason: why, now }
        : { name, action: 'skipped', skip: 'created-after', reason: `${why}: kept; --delete-created-after deletes it`, now };
    }
    case 'present':
      if (!now) return { name, action: 'create', atT, now };
      if (now.type === desired.value.type && now.value === desired.value.value) {
        return { name, action: 'unchanged', atT, now };
      }
      return { name, action: 'update', atT, now };
  }
}
