/**
 * Work longer than one Lambda invocation: the syncers' passes and mirrors' first copies.
 */

/** Who may work on a job, and until when (epoch ms); a lease that ran out is free to take. */
export interface Lease {
  readonly job: string;
  readonly owner: string;
  readonly until: number;
}

/** Where a job stands, as its last holder left it. */
export interface JobProgress {
  /** The saved state (JSON); absent when no pass is open. */
  readonly state?: string;
  /** What other functions asked the job to take on, e.g. a new mirror's first copy. */
  readonly requests: readonly string[];
  /** Epoch ms before which the job's next paced write may not start. */
  readonly notBefore?: number;
  /** Epoch ms the last pass finished. */
  readonly finishedAt?: number;
  /**
   * Epoch ms up to which the last finished pass covered its source, for a job whose next pass
   * begins where the last one ended (the audit syncer's event history); absent for the others.
   */
  readonly coveredUntil?: number;
  /** The last finished pass, as {@link JobSave.lastPass} saved it (JSON). */
  readonly lastPass?: string;
}

export interface JobSave {
  /** The state to continue from; `null` ends the open pass; absent leaves it as it is. */
  readonly state?: string | null;
  /** Requests now taken care of. */
  readonly handled?: readonly string[];
  readonly finishedAt?: number;
  /** See {@link JobProgress.coveredUntil}; saved with the pass that finished. */
  readonly coveredUntil?: number;
  /**
   * With the pass that finished: its {@link FinishedPass} as JSON, so an operator can see
   * what the last pass did without reading its logs.
   */
  readonly lastPass?: string;
}

/**
 * A finished pass as saved on its job's item: when it began and ended, its invocations and
 * its report (counts only: names and values never reach the table).
 */
export interface FinishedPass<R = unknown> {
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly invocations: number;
  readonly report: R;
  /** The job's first pass: what it changed brought the deployment in, and repaired nothing. */
  readonly firstPass?: true;
}

/** A job's item as an operator reads it: where it stands, and who holds its lease until when. */
export interface JobView extends JobProgress {
  readonly job: string;
  /** The invocation holding the lease (Lambda's request id), while one does. */
  readonly owner?: string;
  /** Epoch ms the holder's lease runs out. */
  readonly leaseUntil?: number;
}

/** Reads jobs' items without claiming them: what `figgy-events status` needs, and nothing else. */
export interface JobReader {
  /** The job's item; undefined when the job has never run. */
  read(job: string): Promise<JobView | undefined>;
}

/**
 * The sync progress table (`figgy-config-sync-progress`): one item per job, with its lease.
 * Every call but `request` is conditional on holding the lease.
 */
export interface SyncProgressStore {
  /** Takes the lease unless another owner's has not run out; undefined when it has not. */
  claim(lease: Lease, now: number): Promise<JobProgress | undefined>;
  /** Saves where the job stands; throws {@link LeaseLostError} when the lease is no longer ours. */
  save(lease: Lease, save: JobSave): Promise<void>;
  /** Gives the lease up, keeping the state, and when the next paced write may start. */
  release(lease: Lease, notBefore?: number): Promise<void>;
  /** Asks the job to take `item` on; needs no lease, so it never waits for the holder. */
  request(job: string, item: string): Promise<void>;
}
