/**
 * The sync progress table in memory, with the adapter's lease rules, for unit tests of passes.
 */
import { LeaseLostError } from '../../../shared/sync/job-lease.ts';
import type { JobProgress, JobSave, Lease, SyncProgressStore } from '../../../shared/sync/types.ts';

interface Item {
  owner?: string;
  until?: number;
  state?: string;
  requests: Set<string>;
  notBefore?: number;
  finishedAt?: number;
  coveredUntil?: number;
  lastPass?: string;
}

export class InMemorySyncProgress implements SyncProgressStore {
  readonly items = new Map<string, Item>();

  async claim(lease: Lease, now: number): Promise<JobProgress | undefined> {
    const item = this.item(lease.job);
    if (item.until !== undefined && item.until >= now && item.owner !== lease.owner) return undefined;
    item.owner = lease.owner;
    item.until = lease.until;
    return {
      requests: [...item.requests].sort(),
      ...(item.state !== undefined && { state: item.state }),
      ...(item.notBefore !== undefined && { notBefore: item.notBefore }),
      ...(item.finishedAt !== undefined && { finishedAt: item.finishedAt }),
      ...(item.coveredUntil !== undefined && { coveredUntil: item.coveredUntil }),
      ...(item.lastPass !== undefined && { lastPass: item.lastPass }),
    };
  }

  async save(lease: Lease, save: JobSave): Promise<void> {
    const item = this.held(lease);
    if (save.state === null) delete item.state;
    else if (save.state !== undefined) item.state = save.state;
    for (const handled of save.handled ?? []) item.requests.delete(handled);
    if (save.finishedAt !== undefined) item.finishedAt = save.finishedAt;
    if (save.coveredUntil !== undefined) item.coveredUntil = save.coveredUntil;
    if (save.lastPass !== undefined) item.lastPass = save.lastPass;
  }

  async release(lease: Lease, notBefore?: number): Promise<void> {
    const item = this.held(lease);
    delete item.owner;
    delete item.until;
    if (notBefore !== undefined) item.notBefore = notBefore;
  }

  async request(job: string, request: string): Promise<void> {
    this.item(job).requests.add(request);
  }

  private held(lease: Lease): Item {
    const item = this.item(lease.job);
    if (item.owner !== lease.owner) throw new LeaseLostError(lease.job);
    return item;
  }

  private item(job: string): Item {
    let item = this.items.get(job);
    if (!item) this.items.set(job, (item = { requests: new Set() }));
    return item;
  }
}
