/**
 * The replica targets' Parameter Stores: an SSM client per place, in that place's region,
 * acting in another account through the role its `FiggyReplicaTarget` created.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { placeKey, samePlace, type Place } from '../replication/places.ts';
import { replicaTargetAt, type ReplicaTarget } from '../replication/replica-targets.ts';
import type { ReplicaPlaces, ReplicaStore } from '../replication/types.ts';
import { SsmParameterStore, createSsmClient } from './ssm-parameter-store.ts';

/**
 * What the replica places need of STS: the account the deployment's own credentials act in,
 * and credentials acting as a target's role. On AWS, `StsRoleSessions` (./sts-role-sessions.ts).
 */
export interface RoleSessions {
  /** The account of the caller's own credentials (STS GetCallerIdentity, which needs no permission). */
  callerAccount(): Promise<string>;
  /**
   * Temporary credentials acting as `roleArn` in its account, with their expiration.
   *
   * @throws when the role does not trust the caller (STS's `AccessDenied`) or STS cannot be reached.
   */
  assumeRole(roleArn: string, sessionName: string): Promise<AwsCredentialIdentity>;
}

/** Assumed-role credentials are renewed this long before they expire, so no call carries stale ones. */
export const CREDENTIALS_RENEWAL_MS = 5 * 60 * 1000;

export interface SsmReplicaPlacesOptions {
  /** Parameter Store at home, which the deployment's own credentials reach. */
  readonly home: ReplicaStore;
  /** The deployment's region. */
  readonly region: string;
  /** The targets, as `replicaTargets(env)` returns them. */
  readonly targets: readonly ReplicaTarget[];
  /** STS with the deployment's own credentials. */
  readonly roles: RoleSessions;
  /** The AssumeRole session name: the function's name, so the target's CloudTrail says who wrote. */
  readonly sessionName: string;
  /** Epoch ms now; tests replace it. */
  readonly now?: () => number;
}

/**
 * {@link ReplicaPlaces} on AWS. The home account is learnt once per process from STS
 * GetCallerIdentity (no permission needed), and only when a mapping names another place:
 * the same call serves every trigger, and deployments without targets never make it. Each
 * place's client is made once; its assumed-role credentials are cached until
 * {@link CREDENTIALS_RENEWAL_MS} before they expire.
 *
 * @example
 * const places = new SsmReplicaPlaces({
 *   home: parameterStore,
 *   region: 'eu-west-1',
 *   targets,
 *   roles: new StsRoleSessions({ region: 'eu-west-1' }),
 *   sessionName: 'replication-syncer',
 * });
 * const dr = places.parametersIn({ region: 'eu-central-1', account: '210987654321' });
 */
export class SsmReplicaPlaces implements ReplicaPlaces {
  private account: Promise<string> | undefined;
  private homeAccount: string | undefined;
  private readonly stores = new Map<string, ReplicaStore>();

  constructor(private readonly options: SsmReplicaPlacesOptions) {}

  async home(): Promise<Place> {
    this.account ??= this.options.roles.callerAccount().catch((error: unknown) => {
      this.account = undefined;
      throw error;
    });
    this.homeAccount = await this.account;
    return { region: this.options.region, account: this.homeAccount };
  }

  /**
   * The store of `place`, which the rule has already found to be home or a target's; the
   * home account must be known (the rule asked {@link home} before allowing the place).
   */
  parametersIn(place: Place): ReplicaStore {
    const key = placeKey(place);
    const known = this.stores.get(key);
    if (known) return known;
    const store = this.storeFor(place);
    this.stores.set(key, store);
    return store;
  }

  private storeFor(place: Place): ReplicaStore {
    const { region, targets } = this.options;
    const homeAccount = this.homeAccount;
    if (homeAccount === undefined) throw new Error('the home account is asked for (home()) before any place is used');
    if (samePlace(place, { region, account: homeAccount })) return this.options.home;
    const target = replicaTargetAt(targets, place, homeAccount);
    if (!target) throw new Error(`${placeKey(place)} is not a replica target: the rule must refuse it before a write`);
    const credentials = target.roleArn === undefined ? undefined : this.assumedRole(target.roleArn);
    return new SsmParameterStore(createSsmClient({ region: place.region, ...(credentials && { credentials }) }));
  }

  /** Credentials of `roleArn`, assumed on first use and again shortly before they expire. */
  private assumedRole(roleArn: string): AwsCredentialIdentityProvider {
    const now = this.options.now ?? Date.now;
    let current: Promise<AwsCredentialIdentity> | undefined;
    let renewAt = 0;
    return () => {
      if (!current || now() >= renewAt) {
        current = this.assume(roleArn).then(
          (credentials) => {
            renewAt = (credentials.expiration?.getTime() ?? now()) - CREDENTIALS_RENEWAL_MS;
            return credentials;
          },
          (error: unknown) => {
            current = undefined;
            throw error;
          },
        );
        renewAt = Number.POSITIVE_INFINITY;
      }
      return current;
    };
  }

  private assume(roleArn: string): Promise<AwsCredentialIdentity> {
    return this.options.roles.assumeRole(roleArn, sessionNameOf(this.options.sessionName));
  }
}

/** A function name as STS takes a session name: 2 to 64 of `[\w+=,.@-]`. */
function sessionNameOf(name: string): string {
  const cleaned = name.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `figgy-${cleaned}`;
}
