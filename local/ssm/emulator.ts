/**
 * The emulator assembled: a store per region and account, KMS, STS, faults and CloudTrail
 * behind one endpoint.
 */
import { lookupEventsRequest, queueReadRequest, ssmRequests } from '../iam/aws-requests.ts';
import { AccessDenied } from '../iam/sandbox-iam.ts';
import { AwsError } from './aws-error.ts';
import { callerArn } from './caller.ts';
import { cloudTrailDetail } from './cloudtrail.ts';
import { CLOUDTRAIL_SERVICE, EmulatedEventHistory } from './event-history.ts';
import { FaultInjector } from './faults.ts';
import { EmulatedKms, KEY_ID_FORMS, kmsCall } from './kms.ts';
import { Principals } from './principals.ts';
import { RegionalStores } from './regional-stores.ts';
import type { RequestInput } from './request-members.ts';
import { parameterArn } from '../../shared/parameter-arn.ts';
import { parseReference } from './parameter-names.ts';
import { internalError, startJsonServer, type ApiCall } from './server.ts';
import { recordedAs, ssmCall, ssmOperation } from './ssm-operations.ts';
import { SQS_SERVICE, sqsCall, type QueueRead } from './sqs.ts';
import { stsCall } from './sts.ts';
import type { CloudTrailDetail, FaultOptions, KeyIdForm, SsmEmulator, SsmEmulatorOptions, WriteListener } from './types.ts';

const DEFAULT_ACCOUNT = '123456789012';
const DEFAULT_REGION = 'us-east-1';
const DEFAULT_ROLE = 'figgy-sandbox';

/**
 * Starts an SSM Parameter Store + KMS + STS emulator on loopback, with CloudTrail's event
 * history of its writes (`LookupEvents`).
 *
 * The real `@aws-sdk/client-ssm`, `@aws-sdk/client-kms` and `@aws-sdk/client-sts` talk to it
 * unchanged with `endpoint: emulator.url` and any credentials: signatures are not checked, but
 * the credential scope's region is where the call acts, and the access key id says who calls:
 * a key registered for another account (`accessKeys`, `addAccessKey`) acts there, a key
 * AssumeRole issued acts as the role in the role's account, and any other key acts in the
 * home account as a session (named after the key) of the `roleName` role. Every PutParameter,
 * DeleteParameter and DeleteParameters call, failed or throttled ones too, is reported to
 * `onWrite` listeners as the CloudTrail record AWS would log in the caller's region and
 * account, before the response is sent.
 *
 * @example
 * const emulator = await startSsmEmulator({ clock: () => new Date('2026-11-26T12:00:00Z') });
 * const ssm = new SSMClient({
 *   endpoint: emulator.url,
 *   region: 'eu-west-1',
 *   credentials: { accessKeyId: 'alice', secretAccessKey: 'x' },
 * });
 * emulator.onWrite((detail) => console.log(detail.eventName, detail.userIdentity.arn));
 * await ssm.send(new PutParameterCommand({ Name: '/app/db', Value: 'v', Type: 'String' }));
 * await emulator.stop();
 */
export async function startSsmEmulator(options: SsmEmulatorOptions = {}): Promise<SsmEmulator> {
  const clock = options.clock ?? (() => new Date());
  const account = options.account ?? DEFAULT_ACCOUNT;
  const region = options.region ?? DEFAULT_REGION;
  const { iam } = options;
  const kms = new EmulatedKms(options.masterKey, iam && ((use) => iam.checkKeyUse(use)));
  const stores = new RegionalStores(kms);
  const principals = new Principals({ account, roleName: options.roleName ?? DEFAULT_ROLE });
  for (const [accessKeyId, keyAccount] of Object.entries(options.accessKeys ?? {})) {
    principals.addAccessKey(accessKeyId, keyAccount);
  }
  for (const roleArn of options.roles ?? []) principals.addRole(roleArn);
  const faults = new FaultInjector(options, options.quotaClock);
  let keyIdForm = checkedKeyIdForm(options) ?? 'as-written';
  const listeners = new Set<WriteListener>();
  const history = new EmulatedEventHistory(clock, options.quotaClock);
  const counts = new Map<string, number>();
  const placeCounts = new Map<string, number>();

  const publish = (detail: CloudTrailDetail): void => {
    // The event history keeps every record, whether or not a rule is there to see it.
    history.add(detail);
    for (const listener of listeners) {
      try {
        // Not awaited: a slow subscriber (the event bus) must not slow the API down.
        void Promise.resolve(listener(detail)).catch((error: unknown) => reportListenerError(detail, error));
      } catch (error) {
        reportListenerError(detail, error);
      }
    }
  };

  const handle = (call: ApiCall): object => {
    counts.set(call.operation, (counts.get(call.operation) ?? 0) + 1);
    const { caller } = call;
    const here = `${caller.region}/${caller.account}/${call.operation}`;
    placeCounts.set(here, (placeCounts.get(here) ?? 0) + 1);
    if (call.service === 'TrentService') {
      const input = call.readInput();
      if (!iam) return kmsCall(kms, call.operation, input, caller);
      // Encrypt and Decrypt are authorized where the key is used; any other call up front.
      if (call.operation !== 'Encrypt' && call.operation !== 'Decrypt' && typeof input.KeyId === 'string') {
        const key = kms.key(input.KeyId, caller);
        const use = { action: `kms:${call.operation}`, keyArn: key.arn, aliases: key.aliases };
        asAwsError(() => iam.onBehalfOf(caller, undefined, () => iam.checkKeyUse(use)));
      }
      return asAwsError(() => iam.onBehalfOf(caller, undefined, () => kmsCall(kms, call.operation, input, caller)));
    }
    if (call.service === 'sts') {
      return stsCall(principals, call.operation, call.readInput(), caller, clock(), (roleArn, sessionName) => {
        if (!iam) return;
        try {
          iam.checkAssumeRole(caller, roleArn, sessionName);
        } catch (error) {
          if (!(error instanceof AccessDenied)) throw error;
          // STS words its refusal without IAM's reason, as a 403.
          throw new AwsError('AccessDenied', `User: ${callerArn(caller)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
        }
      });
    }
    if (call.service === CLOUDTRAIL_SERVICE) {
      if (call.operation !== 'LookupEvents') {
        throw new AwsError('UnknownOperationException', `The emulator answers CloudTrail's LookupEvents only, not ${call.operation}.`);
      }
      const input = call.readInput();
      if (iam) asAwsError(() => iam.check(caller, [lookupEventsRequest(caller)]));
      return history.lookUp(input, caller);
    }
    if (call.service === SQS_SERVICE) {
      const authorize = (action: QueueRead, resource: string) => {
        if (!iam) return;
        try {
          iam.check(caller, [queueReadRequest(action, resource)]);
        } catch (error) {
          if (!(error instanceof AccessDenied)) throw error;
          // SQS's JSON protocol names the query code too; the SDK raises it as `AccessDenied`.
          throw new AwsError('AccessDenied', `User: ${callerArn(caller)} is not authorized to perform: ${action} on resource: ${resource}`, 403);
        }
      };
      return sqsCall(call.operation, call.readInput(), caller, serverUrl, options.queues ?? (() => undefined), authorize);
    }
    if (call.service !== 'AmazonSSM') {
      throw new AwsError(
        'UnknownOperationException',
        `The emulator answers AmazonSSM, TrentService, sts, ${SQS_SERVICE} and ${CLOUDTRAIL_SERVICE}, not ${call.service}.`,
      );
    }
    const now = clock();
    const recorded = recordedAs(call.operation);
    const record = (input: RequestInput | null, outcome: { output: RequestInput } | { error: AwsError }): void => {
      if (!recorded) return;
      publish(cloudTrailDetail({ ...recorded, caller, time: now, requestId: call.requestId, input, outcome }));
    };

    const fault = faults.check(ssmOperation(call.operation)?.quota ?? null, caller);
    if (fault) {
      record(null, { error: fault });
      throw fault;
    }
    let input: RequestInput | null = null;
    try {
      input = call.readInput();
      const request = input;
      const scope = { account: caller.account, region: caller.region, userArn: callerArn(caller), now };
      const visible = { own: stores.at(caller), public: stores.publicIn(caller.region) };
      const answer = () => ssmCall(visible, call.operation, request, scope, { keyIdForm }) as RequestInput;
      const output = iam
        ? asAwsError(() => {
            iam.check(caller, ssmRequests(call.operation, request, caller, (name) => parameterArn(caller, parseReference(name).name)));
            // SSM uses KMS with the caller's permissions, through itself.
            return iam.onBehalfOf(caller, `ssm.${caller.region}.amazonaws.com`, answer);
          })
        : answer();
      record(input, { output });
      return output;
    } catch (error) {
      const failure = internalError(error);
      record(input, { error: failure });
      throw failure;
    }
  };

  // Known once the server listens; queue URLs name it.
  let serverUrl = '';
  const server = await startJsonServer(handle, {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    callerDefaults: { region, principalOf: (accessKeyId) => principals.principalOf(accessKeyId) },
  });
  serverUrl = server.url;

  return {
    url: server.url,
    port: server.port,
    account,
    region,
    onWrite: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setFaults: (changes) => {
      const form = checkedKeyIdForm(changes);
      faults.set(changes);
      keyIdForm = form ?? keyIdForm;
    },
    snapshot: (where = {}) => stores.at({ account: where.account ?? account, region: where.region ?? region }).snapshot(),
    addAccessKey: (accessKeyId, keyAccount, roleName) => principals.addAccessKey(accessKeyId, keyAccount, roleName),
    principalOf: (accessKeyId) => principals.principalOf(accessKeyId),
    addRole: (roleArn) => {
      principals.addRole(roleArn);
    },
    callCounts: (where) => {
      if (!where) return Object.fromEntries(counts);
      const place = `${where.region ?? region}/${where.account ?? account}/`;
      return Object.fromEntries(
        [...placeCounts].filter(([key]) => key.startsWith(place)).map(([key, count]) => [key.slice(place.length), count]),
      );
    },
    reset: () => {
      stores.clear();
      history.clear();
      counts.clear();
      placeCounts.clear();
    },
    stop: () => server.close(),
  };
}

/** IAM's refusal as the AWS error the SDK raises as `AccessDeniedException`. */
function asAwsError<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof AccessDenied) throw new AwsError('AccessDeniedException', error.message);
    throw error;
  }
}

function checkedKeyIdForm(options: Partial<FaultOptions>): KeyIdForm | undefined {
  const form = options.keyIdForm;
  if (form !== undefined && !KEY_ID_FORMS.includes(form)) {
    throw new RangeError(`keyIdForm must be one of ${KEY_ID_FORMS.join(', ')}, got ${String(form)}`);
  }
  return form;
}

function reportListenerError(detail: CloudTrailDetail, error: unknown): void {
  console.error(`ssm emulator: a write listener failed on ${detail.eventName} ${detail.eventID}`, error);
}
