/**
 * Bulk replication work — a mirror's first copy, the syncer's repairs — paced per place.
 */
import { CallPacer } from '../call-pacer.ts';
import { DEFAULT_BULK_WRITES_PER_SECOND, replicaTargetAt } from './replica-targets.ts';
import { placeKey, samePlace, type Place } from './places.ts';
import type { ReplicatorDependencies } from './replicator.ts';
import type { ReplicaPlaces, ReplicaStore } from './types.ts';

/**
 * The replicator's dependencies with every write call (PutParameter, DeleteParameters,
 * AddTagsToResource, RemoveTagsFromResource) to a place waiting its turn at that place's
 * pace: the target's `bulkWritesPerSecond`, or the home setting. Reads are not paced: SSM's
 * read quota is ten times the write quota and the SDK backs off when throttled.
 *
 * Live replication of a single change is not paced (it follows its source's own writes,
 * which SSM holds to the same quota); whatever holds the replication job's lease is the only
 * bulk writer, so the pace holds across functions, and `notBefore()` carries it over to the
 * next holder.
 *
 * @example
 * const paced = new PacedBulkWork(deps, job.progress.notBefore);
 * await new Replicator(paced.dependencies).mirror(mapping);
 * await job.release(await paced.notBefore());
 */
export class PacedBulkWork {
  readonly dependencies: ReplicatorDependencies;
  private readonly pacers = new Map<string, Promise<CallPacer>>();

  constructor(
    private readonly deps: ReplicatorDependencies,
    /** Epoch ms the last holder's pace allows the next write at. */
    private readonly carriedOver?: number,
  ) {
    const places = deps.places;
    this.dependencies = {
      ...deps,
      parameters: this.paced(deps.parameters, async () => (places ? places.home() : undefined)),
      ...(places && { places: this.pacedPlaces(places) }),
    };
  }

  /** Epoch ms the next bulk write may start at, across every place this worker wrote. */
  async notBefore(): Promise<number | undefined> {
    const starts = (await Promise.all(this.pacers.values())).map((pacer) => pacer.nextStart).filter(Number.isFinite);
    return starts.length > 0 ? Math.max(...starts) : this.carriedOver;
  }

  private pacedPlaces(places: ReplicaPlaces): ReplicaPlaces {
    return {
      home: () => places.home(),
      parametersIn: (place) => this.paced(places.parametersIn(place), async () => place),
    };
  }

  /** `store` with its write calls paced for the place `where` resolves to (undefined: home). */
  private paced(store: ReplicaStore, where: () => Promise<Place | undefined>): ReplicaStore {
    const turn = async (calls = 1) => {
      const pacer = await this.pacerFor(await where());
      for (let call = 0; call < calls; call++) await pacer.next();
    };
    return {
      readDecrypted: (names) => store.readDecrypted(names),
      readVersion: (name, version) => store.readVersion(name, version),
      readDetails: (names) => store.readDetails(names),
      namesUnder: (prefix) => store.namesUnder(prefix),
      keyArn: (keyId) => store.keyArn(keyId),
      write: async (write) => {
        await turn();
        return store.write(write);
      },
      deleteParameters: async (names) => {
        // One call per name keeps each delete a single paced write, whatever the batch.
        for (const name of names) {
          await turn();
          await store.deleteParameters([name]);
        }
      },
      retag: async (name, add, remove) => {
        await turn((Object.keys(add).length > 0 ? 1 : 0) + (remove.length > 0 ? 1 : 0));
        return store.retag(name, add, remove);
      },
    };
  }

  private pacerFor(place: Place | undefined): Promise<CallPacer> {
    const key = place ? placeKey(place) : 'home';
    let pacer = this.pacers.get(key);
    if (!pacer) this.pacers.set(key, (pacer = this.newPacer(place)));
    return pacer;
  }

  private async newPacer(place: Place | undefined): Promise<CallPacer> {
    const home = await this.deps.places?.home();
    const target = place && home && !samePlace(place, home) ? replicaTargetAt(this.deps.settings.replicaTargets, place, home.account) : undefined;
    const rate = target ? (target.bulkWritesPerSecond ?? DEFAULT_BULK_WRITES_PER_SECOND) : (this.deps.settings.bulkWritesPerSecond ?? DEFAULT_BULK_WRITES_PER_SECOND);
    return new CallPacer(rate, this.deps.pacing, this.carriedOver);
  }
}
