/**
 * `npm start`: boots the sandbox and walks through the pipeline a newcomer wants to see,
 * printing when each effect became visible; `--serve` keeps it running for other clients.
 */
import { DeleteParametersCommand, PutParameterCommand, SSMClient, type ParameterType } from '@aws-sdk/client-ssm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '../shared/aws/dynamo-audit-log.ts';
import { createDynamoDocumentClient } from '../shared/aws/dynamo-client.ts';
import { DynamoNameCache } from '../shared/aws/dynamo-name-cache.ts';
import type { CacheState } from '../shared/cache/types.ts';
import { startSandbox, type Sandbox } from './sandbox.ts';

export interface SandboxCommandOptions {
  /** Stay up and print `export` lines instead of running the demo. */
  readonly serve?: boolean;
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
  const sandbox = await startSandbox({ replicaTargets: [{ region: DR_REGION, destinationPrefixes: ['/dr/'] }] });
  console.log(
    `sandbox up in ${Date.now() - started} ms: DynamoDB Local, SSM + KMS emulator, six functions, ` +
      `a disaster-recovery target in ${DR_REGION}`,
  );
  if (options.serve) return serve(sandbox);
  try {
    return await runDemo(sandbox);
  } finally {
    await sandbox.stop();
  }
}

async function serve(sandbox: Sandbox): Promise<number> {
  console.log('\n# point the AWS CLI, an SDK or the Figgy CLI at the sandbox:');
  for (const [name, value] of Object.entries(sandbox.env)) console.log(`export ${name}=${value}`);
  console.log('\n# any access key id works for SSM and becomes the user in the audit log; Ctrl-C stops');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.stop();
  return 0;
}

const SECRET = 'correct horse battery staple';
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

  console.log('\nschedules:');
  console.log(`  replication-syncer  ${JSON.stringify(await sandbox.runSchedule('replication-syncer'))}`);
  console.log(`  config-cache-syncer ${JSON.stringify(await sandbox.runSchedule('config-cache-syncer'))}`);
  console.log(`  audit-syncer        ${JSON.stringify(await sandbox.runSchedule('audit-syncer'))}`);

  const audit = (await documents.send(new ScanCommand({ TableName: tables.audit }))).Items ?? [];
  const password = (await documents.send(new GetCommand({ TableName: tables.replication, Key: { destination: '/app/orders/db-url' } }))).Item;
  const everything = JSON.stringify([audit, password]);
  console.log('\nresult:');
  console.log(`  audit log: ${audit.length} records, by ${[...new Set(audit.map((item) => item.user))].sort().join(', ')}`);
  console.log(`  SecureString plaintext in the tables: ${everything.includes(SECRET) ? 'FOUND (bug!)' : 'none'}`);
  console.log(`  dead letters: ${sandbox.deadLetters().length}`);
  const failed = timeline.failures + sandbox.deadLetters().length + (everything.includes(SECRET) ? 1 : 0);
  console.log(failed === 0 ? '\nall effects arrived.' : `\n${failed} problem(s): see above.`);
  return failed === 0 ? 0 : 1;
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
