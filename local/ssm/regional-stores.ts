/**
 * One Parameter Store per region of each account, as AWS keeps them: nothing written in one
 * is visible from another.
 */
import type { EmulatedKms } from './kms.ts';
import { publicParameters } from './public-parameters.ts';
import { EmulatedParameterStore } from './store.ts';
import type { RegionAndAccount } from './types.ts';

/**
 * The stores of every region and account, each made on first use, as every region of an
 * account has a Parameter Store without anyone creating it.
 *
 * @example
 * const stores = new RegionalStores(new EmulatedKms());
 * stores.at({ region: 'eu-west-1', account: '123456789012' }).snapshot(); // []
 */
export class RegionalStores {
  private readonly stores = new Map<string, EmulatedParameterStore>();
  private readonly publicStores = new Map<string, EmulatedParameterStore>();

  constructor(private readonly kms: EmulatedKms) {}

  /** The store of one region of one account. */
  at(where: RegionAndAccount): EmulatedParameterStore {
    const key = `${where.account}/${where.region}`;
    let store = this.stores.get(key);
    if (!store) {
      store = new EmulatedParameterStore(this.kms, { account: where.account, region: where.region });
      this.stores.set(key, store);
    }
    return store;
  }

  /** AWS's public parameters (`/aws/service/...`) as read in `region`; nobody writes them. */
  publicIn(region: string): EmulatedParameterStore {
    let store = this.publicStores.get(region);
    if (!store) {
      store = publicParameters(region);
      this.publicStores.set(region, store);
    }
    return store;
  }

  /** Forgets every parameter of every region and account; AWS's public ones stay. */
  clear(): void {
    this.stores.clear();
  }
}
