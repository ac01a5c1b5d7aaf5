/**
 * The replica targets' Parameter Stores: an SSM client per place, in that place's region,
 * acting in another account through the role its `FiggyReplicaTarget` created.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { placeKey, samePlace, type Place } from '../replication/places.ts';
import { replicaTargetAt, type ReplicaTarget } from '../replication/replica-targets.ts';
import type { ReplicaPlaces, ReplicaStore } from '../replication/types.ts';
import { kmsKeyArnsBeside } from './kms-key-arns.ts';
import { onFirstUse } from './on-first-use.ts';
import { SsmParameterStore, createSsmClient } from './ssm-parameter-store.ts';
import { InvariantError, UnexpectedResponseError } from '../errors.ts';

export interface SsmReplicaPlacesOptions {
  /** Parameter Store at home, which the deployment's own credentials reach. */
  readonly home: ReplicaStore;
  /** The deployment's region: its STS assumes the targets' roles. */
  readonly region: string;
  /** The deployment's account, as the construct knows it (`homeAccountId(env)`). */
  readonly account: string;
  /** The targets, as `replicaTargets(env)` returns them. */
  readonly targets: readonly ReplicaTarget[];
  /** The AssumeRole session name: the function's name, so the target's CloudTrail says who wrote. */
  readonly sessionName: string;
  /**
   * The shared-config profile whose credentials assume the targets' roles and read a target in
   * this account: a command's `--profile`. Functions leave it out and use their own role.
   */
  readonly profile?: string;
}

/**
 * {@link ReplicaPlaces} on AWS. Each place's SSM client is made once, on first use. A target
 * in another account is written with its role's credentials: STS AssumeRole in the
 * deployment's region with the function's own credentials, through the SDK's STS client (so
 * its retries, clock-skew correction, partitions, FIPS and dual-stack endpoints, and
 * `AWS_ENDPOINT_URL_STS` as every client reads it). The SSM client keeps the credentials and
 * asks for new ones five minutes before they expire, as the SDK does for any that expire.
 *
 * @example
 * const places = new SsmReplicaPlaces({
 *   home: parameterStore,
 *   region: 'eu-west-1',
 *   account: '123456789012',
 *   targets,
 *   sessionName: 'replication-syncer',
 * });
 * const dr = places.parametersIn({ region: 'eu-central-1', account: '210987654321' });
 */
export class SsmReplicaPlaces implements ReplicaPlaces {
  private readonly stores = new Map<string, ReplicaStore>();
  private readonly clients: { destroy(): void }[] = [];
  /** The home region's STS, wherever the target is: one client for every target's role. */
  private readonly sts = onFirstUse(async () => {
    const sts = new (await import('./sts-assume-role.ts')).STSClient({ region: this.options.region, ...this.profile() });
    this.clients.push(sts);
    return sts;
  });

  constructor(private readonly options: SsmReplicaPlacesOptions) {}

  home(): Promise<Place> {
    return Promise.resolve({ region: this.options.region, account: this.options.account });
  }

  /** The store of `place`, which the rule has already found to be home or a target's. */
  parametersIn(place: Place): ReplicaStore {
    const key = placeKey(place);
    const known = this.stores.get(key);
    if (known) return known;
    const store = this.storeFor(place);
    this.stores.set(key, store);
    return store;
  }

  /**
   * Closes the clients made so far. A function keeps them for its life; a command ends, and
   * would otherwise wait for their idle connections to close.
   */
  destroy(): void {
    for (const client of this.clients.splice(0)) client.destroy();
    this.stores.clear();
  }

  private profile(): { profile?: string } {
    return this.options.profile === undefined ? {} : { profile: this.options.profile };
  }

  private storeFor(place: Place): ReplicaStore {
    const { region, account, targets } = this.options;
    if (samePlace(place, { region, account })) return this.options.home;
    const target = replicaTargetAt(targets, place, account);
    if (!target) throw new InvariantError(`${placeKey(place)} is not a replica target: the rule must refuse it before a write`);
    const credentials = target.roleArn === undefined ? undefined : assumedRole(this.sts, target.roleArn, sessionNameOf(this.options.sessionName));
    const ssm = createSsmClient({ region: place.region, ...(credentials ? { credentials } : this.profile()) });
    this.clients.push(ssm);
    return new SsmParameterStore(ssm, { keys: kmsKeyArnsBeside(ssm) });
  }
}

/**
 * Credentials of `roleArn`, from STS on each call. The SSM client they are given to memoizes
 * them and calls again only when they are within five minutes of their expiration. The STS
 * client is loaded on the first call: a cold start that writes no other account's replica
 * need not parse it.
 *
 * @throws STS's error as the SDK raises it: `AccessDenied` for a role that does not let the
 *   function assume it.
 */
function assumedRole(sts: () => Promise<STSClient>, roleArn: string, sessionName: string): AwsCredentialIdentityProvider {
  return async () => {
    const [client, { AssumeRoleCommand }] = await Promise.all([sts(), import('./sts-assume-role.ts')]);
    const { Credentials: issued } = await client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }));
    if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.Expiration) {
      throw new UnexpectedResponseError(`STS AssumeRole of ${roleArn} answered without credentials and their expiration`);
    }
    return {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      ...(issued.SessionToken !== undefined && { sessionToken: issued.SessionToken }),
      expiration: issued.Expiration,
    };
  };
}

/** A function name as STS takes a session name: 2 to 64 of `[\w+=,.@-]`. */
function sessionNameOf(name: string): string {
  const cleaned = name.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `figgy-${cleaned}`;
}
