/**
 * `npm start`: boots the sandbox and walks through the pipeline a newcomer wants to see,
 * printing when each effect became visible; `--serve` keeps it running for other clients.
 */
import { DeleteParametersCommand, PutParameterCommand, SSMClient, type ParameterType } from '@aws-sdk/client-ssm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SetupError } from '../shared/errors.ts';
import { isMigrationMarker } from '../shared/aws/audit-path-migration.ts';
import { DynamoAuditLog } from '../shared/aws/dynamo-audit-log.ts';
import { DEFAULT_SCHEDULES } from '../stacks/default-schedules.ts';
import { createDynamoDocumentClient } from '../shared/aws/dynamo-client.ts';
import { DynamoNameCache } from '../shared/aws/dynamo-name-cache.ts';
import type { CacheState } from '../shared/cache/types.ts';
import { runStatus } from '../bin/status-command.ts';
import { logEcho } from './log-echo.ts';
import { renderRunMetrics, runMetrics } from './run-metrics.ts';
import { startSandbox, type Sandbox } from './sandbox.ts';
import { describeOutcome } from './schedule-outcome.ts';
import { serve } from './serve.ts';

export interface SandboxCommandOptions {
  /** Stay up, print the settings and `export` lines, and take typed commands instead of running the demo. */
  readonly serve?: boolean;
  /** Print every function log line as it is written, not only warnings and errors. */
  readonly logs?: boolean;
  /** Fixed ports for the SSM + KMS + STS endpoint and DynamoDB; default free ones. */
  readonly ports?: { readonly ssm: number; readonly dynamodb: number };
}

/**
 * Runs the sandbox command: the demo scenario by default, or a long-running sandbox with
 * `serve`. Resolves with the process exit code.
 *
 * @example
 * process.exitCode = await runSandboxCommand({ serve: process.argv.includes('--serve') });
 */
export async function runSandboxCommand(options: SandboxCommandOptions = {}): Promise<number> {
  const started = Date.now();
  const write = (text: string) => void process.stdout.write(text);
  const sandbox = await startSandbox({
    replicaTargets: [{ region: DR_REGION, destinationPrefixes: ['/dr/'] }],
    ...(options.ports && { ports: options.ports }),
    onLog: logEcho({ all: options.logs ?? false, write }),
  }).catch((error: unknown) => {
    if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
    throw new SetupError(`${(error as Error).message}: choose other ports with --ports SSM,DYNAMODB, or leave it out for free ones`, { cause: error });
  });
  console.log(
    `sandbox up in ${Date.now() - started} ms: DynamoDB Local, SSM + KMS emulator, six functions, ` +
      `a disaster-recovery target in ${DR_REGION}`,
  );
  if (options.serve) {
    const interrupted = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    return serve(sandbox, { input: process.stdin, write, interrupted });
  }
  try {
    return await runDemo(sandbox);
  } finally {
    await sandbox.stop();
  }
}

const SECRET = 'correct horse battery staple';
/** The people of the demo; every other writer in the audit log is a function. */
const DEMO_USERS = ['alice', 'bob'];

/** How the reader runs the CLI: from a clone (this file is TypeScript) or the installed package. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const CLI = FROM_SOURCE ? 'npx tsx bin/figgy-events.ts' : 'npx figgy-events';
const NEXT_STEPS = `
next:
  ${FROM_SOURCE ? 'npm start -- --serve' : `${CLI} sandbox --serve`}
      keeps a sandbox up: paste the export lines it prints into another shell, then use the AWS
      CLI, the Figgy CLI or the commands below; type "sync" in the sandbox to run the syncers
  ${CLI} history /shared/db/host
      every change to one parameter: who, when, what (SecureStrings masked)
  ${CLI} mappings list
      the replication mappings; "mappings add" and "mappings check" add one and say whether it replicates
  ${CLI} status
      is the pipeline healthy: the syncers' last passes and repairs, refused mappings, dead letters
`;
/** The demo's disaster-recovery target: another region of the same account. */
const DR_REGION = 'eu-central-1';

async function runDemo(sandbox: Sandbox): Promise<number> {
  const region = sandbox.env.AWS_REGION as string;
  const ssmAs = (user: string) =>
    new SSMClient({ endpoint: sandbox.endpoints.ssm, region, credentials: { accessKeyId: user, secretAccessKey: 'sandbox' } });
  const alice = ssmAs('alice');
  const bob = ssmAs('bob');
  const documents = createDynamoDocumentClient(
    new DynamoDBClient({
      endpoint: sandbox.endpoints.dynamodb,
      region,
      credentials: { accessKeyId: sandbox.env.AWS_ACCESS_KEY_ID as string, secretAccessKey: sandbox.env.AWS_SECRET_ACCESS_KEY as string },
    }),
  );
  const { tables } = sandbox;
  const timeline = new Timeline();

  const put = (client: SSMClient, name: string, value: string, type: ParameterType = 'String') =>
    client.send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: true }));
  // Read through the functions' own adapters, as the Figgy CLI would read the tables.
  const auditLog = new DynamoAuditLog(documents, tables.audit);
  const cache = new DynamoNameCache(documents, tables.cache);
  const audited = (name: string, count: number) => async () =>
    (await auditLog.recordsBetween(name, 0, Number.MAX_SAFE_INTEGER)).length >= count;
  const cached = (name: string, state: CacheState) => async () =>
    (await cache.entries(name)).some((entry) => entry.state === state);
  const holds = (name: string, value: string) => async () =>
    sandbox.ssm.snapshot().some((parameter) => parameter.name === name && parameter.value === value);
  const replica = (name: string) => sandbox.ssm.snapshot({ region: DR_REGION }).find((parameter) => parameter.name === name);
  const replicated = (name: string, value: string) => async () => replica(name)?.value === value;

  console.log('\ntimeline (time from the call to the effect being readable):');
  await timeline.step('alice puts /shared/db/host (String)', () => put(alice, '/shared/db/host', 'db-1.internal'), {
    'audit record': audited('/shared/db/host', 1),
    'cache ACTIVE': cached('/shared/db/host', 'ACTIVE'),
  });
  await timeline.step('alice puts /shared/db/user (String)', () => put(alice, '/shared/db/user', 'orders app'), {
    'audit record': audited('/shared/db/user', 1),
  });
  await timeline.step('bob puts /shared/db/password (SecureString)', () => put(bob, '/shared/db/password', SECRET, 'SecureString'), {
    'audit record (ciphertext)': audited('/shared/db/password', 1),
    'cache ACTIVE': cached('/shared/db/password', 'ACTIVE'),
  });
  await timeline.step(
    'app mapping /app/orders/db-host <- /shared/db/host',
    () => documents.send(new PutCommand({ TableName: tables.replication, Item: { destination: '/app/orders/db-host', source: '/shared/db/host', type: 'app', user: 'alice' } })),
    { 'destination written': holds('/app/orders/db-host', 'db-1.internal') },
  );
  const mergedUrl = (host: string) => `postgres://orders+app:correct+horse+battery+staple@${host}/orders`;
  await timeline.step(
    'merge mapping /app/orders/db-url <- postgres://${user:uri}:${password:uri}@${host}/orders',
    () =>
      documents.send(new PutCommand({
        TableName: tables.replication,
        Item: {
          destination: '/app/orders/db-url',
          type: 'merge',
          source: ['postgres://', '${/shared/db/user:uri}', ':', '${/shared/db/password:uri}', '@', '${/shared/db/host}', '/orders'],
          user: 'bob',
        },
      })),
    { 'SecureString destination written': holds('/app/orders/db-url', mergedUrl('db-1.internal')) },
  );
  await timeline.step(
    `DR mirror /shared/ -> ${DR_REGION} /dr/shared/ (first copy)`,
    () =>
      documents.send(new PutCommand({
        TableName: tables.replication,
        Item: {
          destination: `arn:aws:ssm:${DR_REGION}:${sandbox.accountId}:parameter/dr/shared/`,
          source: '/shared/',
          type: 'mirror',
          user: 'alice',
        },
      })),
    {
      [`${DR_REGION} replicas, the SecureString included`]: async () =>
        (await replicated('/dr/shared/db/host', 'db-1.internal')()) && replicated('/dr/shared/db/password', SECRET)(),
    },
  );
  await timeline.step('alice moves the database: /shared/db/host = db-2.internal', () => put(alice, '/shared/db/host', 'db-2.internal'), {
    'app destination replicated': holds('/app/orders/db-host', 'db-2.internal'),
    'merge destination replicated': holds('/app/orders/db-url', mergedUrl('db-2.internal')),
    [`${DR_REGION} replica`]: replicated('/dr/shared/db/host', 'db-2.internal'),
    'audit v2': audited('/shared/db/host', 2),
  });
  await timeline.step(
    'bob puts /shared/tmp/a and /shared/tmp/b',
    async () => {
      await put(bob, '/shared/tmp/a', 'scratch');
      await put(bob, '/shared/tmp/b', 'scratch');
    },
    {
      [`${DR_REGION} replicas`]: async () =>
        (await replicated('/dr/shared/tmp/a', 'scratch')()) && replicated('/dr/shared/tmp/b', 'scratch')(),
    },
  );
  await sandbox.settle();
  await timeline.step(
    'bob DeleteParameters [/shared/tmp/a, /shared/tmp/b, /shared/tmp/missing]',
    () => bob.send(new DeleteParametersCommand({ Names: ['/shared/tmp/a', '/shared/tmp/b', '/shared/tmp/missing'] })),
    {
      'tombstones': async () => (await cached('/shared/tmp/a', 'DELETED')()) && cached('/shared/tmp/b', 'DELETED')(),
      'audit delete records': async () => (await audited('/shared/tmp/a', 2)()) && audited('/shared/tmp/b', 2)(),
      [`${DR_REGION} replicas deleted`]: async () => replica('/dr/shared/tmp/a') === undefined && replica('/dr/shared/tmp/b') === undefined,
    },
  );
  await sandbox.settle();

  console.log('\nschedules: on AWS each syncer runs on its schedule to repair what events missed (here every');
  console.log('event arrived, so there should be nothing to repair); the demo runs each once, now:');
  for (const name of ['replication-syncer', 'config-cache-syncer', 'audit-syncer'] as const) {
    const every = DEFAULT_SCHEDULES[name].replace(/^rate\((.*)\)$/, 'every $1');
    console.log(`  ${name} (${every}): ${describeOutcome(name, await sandbox.runSchedule(name))}`);
  }

  console.log('\na lost event, as the replication syncer sees it: bob edits the destination /app/orders/db-host by');
  console.log('hand, which no event puts right; the next pass does, and counts it as a repair:');
  await put(bob, '/app/orders/db-host', 'edited by hand');
  await sandbox.settle();
  console.log(`  replication-syncer: ${describeOutcome('replication-syncer', await sandbox.runSchedule('replication-syncer'))}`);
  const repaired = await holds('/app/orders/db-host', 'db-2.internal')();
  console.log(`  /app/orders/db-host: ${repaired ? 'db-2.internal again' : 'NOT REPAIRED (bug!)'}`);

  console.log('\nmetrics of the run, from the functions\' embedded-metric-format log lines (CloudWatch reads the same):');
  console.log(renderRunMetrics(runMetrics(sandbox.logs())));

  console.log(`\n${CLI} status (what an operator sees; the repair above is what needs attention):\n`);
  const statusCode = await withEnvironment(sandbox.env, () =>
    runStatus([], { env: process.env, stdout: process.stdout, stderr: process.stderr, now: Date.now }),
  );
  console.log(`(status exited ${statusCode}: 0 healthy, 1 something needs attention)`);

  const audit = ((await documents.send(new ScanCommand({ TableName: tables.audit }))).Items ?? []).filter((item) => !isMigrationMarker(item));
  const password = (await documents.send(new GetCommand({ TableName: tables.replication, Key: { destination: '/app/orders/db-url' } }))).Item;
  const everything = JSON.stringify([audit, password]);
  const people = new Set(DEMO_USERS);
  const sessions = [...new Set(audit.map((item) => String(item.user)).filter((user) => !people.has(user)))].sort();
  console.log('\nresult:');
  console.log(
    `  audit log: ${audit.length} records, by ${DEMO_USERS.join(' and ')}` +
      (sessions.length > 0 ? `, and by the replicators writing destinations, each as a session of its own role (${sessions.join(', ')})` : ''),
  );
  console.log(`  SecureString plaintext in the tables: ${everything.includes(SECRET) ? 'FOUND (bug!)' : 'none'}`);
  console.log(`  dead letters: ${sandbox.deadLetters().length}`);
  const failed = timeline.failures + sandbox.deadLetters().length + (everything.includes(SECRET) ? 1 : 0) + (repaired ? 0 : 1);
  console.log(failed === 0 ? '\nall effects arrived.' : `\n${failed} problem(s): see above.`);
  console.log(NEXT_STEPS);
  return failed === 0 ? 0 : 1;
}

/**
 * Runs `work` with `env` added to the process environment, where the CLI's SDK clients read
 * their endpoints and credentials, and puts the environment back after.
 */
async function withEnvironment<T>(env: Readonly<Record<string, string>>, work: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

type Check = () => Promise<boolean>;

/** Prints each step with how long each of its effects took to become visible. */
class Timeline {
  failures = 0;

  async step(title: string, action: () => Promise<unknown>, effects: Record<string, Check>): Promise<void> {
    const start = performance.now();
    await action();
    const seen = await Promise.all(
      Object.entries(effects).map(async ([label, check]) => {
        const took = await waitFor(check);
        return took === undefined ? `${label}: NOT SEEN after 10 s` : `${label} ${took.toFixed(0)} ms`;
      }),
    );
    this.failures += seen.filter((line) => line.includes('NOT SEEN')).length;
    console.log(`  ${title}\n      ${seen.join(' | ')}`);
    function waitFor(check: Check): Promise<number | undefined> {
      return (async () => {
        while (performance.now() - start < 10_000) {
          if (await check()) return performance.now() - start;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return undefined;
      })();
    }
  }
}
