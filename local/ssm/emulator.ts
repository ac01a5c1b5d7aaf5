/**
 * The emulator assembled: store, KMS, faults and CloudTrail behind one AWS JSON endpoint.
 */
import { AwsError } from './aws-error.ts';
import { callerArn } from './caller.ts';
import { cloudTrailDetail } from './cloudtrail.ts';
import { FaultInjector } from './faults.ts';
import { EmulatedKms, kmsCall } from './kms.ts';
import type { RequestInput } from './request-members.ts';
import { internalError, startJsonServer, type ApiCall } from './server.ts';
import { isWriteOperation, ssmCall } from './ssm-operations.ts';
import { EmulatedParameterStore } from './store.ts';
import type { CloudTrailDetail, SsmEmulator, SsmEmulatorOptions, WriteListener } from './types.ts';

const DEFAULT_ACCOUNT = '123456789012';
const DEFAULT_REGION = 'us-east-1';
const DEFAULT_ROLE = 'figgy-sandbox';

/**
 * Starts an SSM Parameter Store + KMS emulator on loopback.
 *
 * The real `@aws-sdk/client-ssm` and `@aws-sdk/client-kms` talk to it unchanged with
 * `endpoint: emulator.url` and any credentials: signatures are not checked, but the access key
 * id becomes the caller's session name and the credential scope its region. Every
 * PutParameter, DeleteParameter and DeleteParameters call, failed or throttled ones too, is
 * reported to `onWrite` listeners as the CloudTrail record AWS would log, before the response
 * is sent.
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
  const kms = new EmulatedKms(options.masterKey);
  const store = new EmulatedParameterStore(kms);
  const faults = new FaultInjector(options);
  const listeners = new Set<WriteListener>();
  const counts = new Map<string, number>();

  const publish = (detail: CloudTrailDetail): void => {
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
    if (call.service === 'TrentService') {
      return kmsCall(kms, call.operation, call.readInput(), { account, region: caller.region });
    }
    if (call.service !== 'AmazonSSM') {
      throw new AwsError(
        'UnknownOperationException',
        `The emulator answers AmazonSSM and TrentService, not ${call.service}.`,
      );
    }
    const now = clock();
    const write = isWriteOperation(call.operation);
    const record = (input: RequestInput | null, outcome: { output: RequestInput } | { error: AwsError }): void => {
      if (!write) return;
      publish(
        cloudTrailDetail({ eventName: call.operation, caller, time: now, requestId: call.requestId, input, outcome }),
      );
    };

    const fault = faults.check(call.operation, write ? 'write' : 'read');
    if (fault) {
      record(null, { error: fault });
      throw fault;
    }
    let input: RequestInput | null = null;
    try {
      input = call.readInput();
      const output = ssmCall(store, call.operation, input, {
        account,
        region: caller.region,
        userArn: callerArn(caller),
        now,
      }) as RequestInput;
      record(input, { output });
      return output;
    } catch (error) {
      const failure = internalError(error);
      record(input, { error: failure });
      throw failure;
    }
  };

  const server = await startJsonServer(handle, {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    callerDefaults: { account, region: options.region ?? DEFAULT_REGION, roleName: options.roleName ?? DEFAULT_ROLE },
  });

  return {
    url: server.url,
    port: server.port,
    onWrite: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setFaults: (changes) => faults.set(changes),
    snapshot: () => store.snapshot(),
    callCounts: () => Object.fromEntries(counts),
    reset: () => {
      store.clear();
      counts.clear();
    },
    stop: () => server.close(),
  };
}

function reportListenerError(detail: CloudTrailDetail, error: unknown): void {
  console.error(`ssm emulator: a write listener failed on ${detail.eventName} ${detail.eventID}`, error);
}
