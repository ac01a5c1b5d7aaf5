/**
 * Runs a command with a fresh, in-memory DynamoDB Local and the environment that points the
 * AWS SDK at it, then stops DynamoDB Local and exits with the command's code.
 *
 * Usage: `tsx test/with-dynamodb-local.ts <command> [arguments...]`, as `npm run
 * test:integration` does with mocha.
 */
import './setup.ts';
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { delimiter, resolve } from 'node:path';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: tsx test/with-dynamodb-local.ts <command> [arguments...]');
  process.exit(2);
}

let dynamo;
try {
  dynamo = await startDynamoDbLocal();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

const child = spawn(command, args, {
  stdio: 'inherit',
  env: {
    ...process.env,
    ...dynamo.environment,
    // npm puts local binaries on PATH; this makes `tsx test/with-dynamodb-local.ts mocha` work outside npm too.
    PATH: [resolve('node_modules/.bin'), process.env.PATH].filter(Boolean).join(delimiter),
  },
});

// Ctrl-C reaches the whole process group; staying alive until the command exits lets us stop
// DynamoDB Local and report the command's own code.
const forwarded: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
for (const signal of forwarded) {
  process.on(signal, () => child.kill(signal));
}

const code = await new Promise<number>((done) => {
  child.once('error', (error) => {
    console.error(`cannot run ${command}: ${error.message}`);
    done(127);
  });
  child.once('exit', (exitCode, signal) => {
    done(exitCode ?? 128 + (signal ? constants.signals[signal] : 0));
  });
});

await dynamo.stop();
process.exit(code);
