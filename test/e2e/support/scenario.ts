/**
 * A 200-event run through the sandbox, and a view of the resulting tables that two runs can be
 * compared by: the things that must not depend on delivery order, duplicates or throttling.
 */
import { DeleteParameterCommand, DeleteParametersCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Sandbox } from '../../../local/index.ts';
import { isMigrationMarker } from '../../../shared/aws/audit-path-migration.ts';
import type { SandboxClients } from './sandbox-clients.ts';

const PARAMETERS = 40;
const ROUNDS = 4;

export const parameterName = (index: number) => `/e2e/params/${index}`;
export const secretValue = (round: number, index: number) => `secret r${round} #${index} plaintext`;
const isSecret = (index: number) => index % 4 === 0;

/**
 * Mappings first, then four rounds of puts by two users over 40 parameters (a quarter of them
 * SecureStrings), then deletes in all three forms: 163 SSM calls plus the replicated writes
 * they cause, a little over 200 events. `midway` runs, not awaited, before round 3: a fault
 * then strikes while events are in flight.
 */
export async function runScenario(
  sandbox: Sandbox,
  clients: SandboxClients,
  midway: () => void = () => undefined,
): Promise<void> {
  const users = [clients.ssmAs('alice'), clients.ssmAs('bob')];
  for (let index = 0; index < 10; index++) {
    await clients.documents.send(
      new PutCommand({
        TableName: sandbox.tables.replication,
        Item: { destination: `/app/e2e/copy/${index}`, source: parameterName(index), type: 'app' },
      }),
    );
  }
  await clients.documents.send(
    new PutCommand({
      TableName: sandbox.tables.replication,
      Item: { destination: '/app/e2e/url', type: 'merge', source: `x://\${${parameterName(1)}}:\${${parameterName(4)}:uri}@h` },
    }),
  );
  await sandbox.settle();
  for (let round = 1; round <= ROUNDS; round++) {
    if (round === 3) midway();
    for (let index = 0; index < PARAMETERS; index++) {
      const secret = isSecret(index);
      await users[(round + index) % 2]?.send(
        new PutParameterCommand({
          Name: parameterName(index),
          Value: secret ? secretValue(round, index) : `value r${round} #${index}`,
          Type: secret ? 'SecureString' : 'String',
          Overwrite: true,
        }),
      );
    }
  }
  // The auditor reads each version's value from Parameter Store after the fact; a parameter
  // deleted before that read keeps its record but loses the value (see docs/semantics.md). Letting
  // the puts settle first keeps the comparison about delivery, not about that race.
  await sandbox.settle();
  const deleteNames = (from: number) => Array.from({ length: 10 }, (_, offset) => parameterName(from + offset));
  await users[0]?.send(new DeleteParametersCommand({ Names: deleteNames(20) }));
  await users[1]?.send(new DeleteParametersCommand({ Names: deleteNames(30).slice(0, 9) }));
  await users[1]?.send(new DeleteParameterCommand({ Name: parameterName(39) }));
  await sandbox.settle();
}

/**
 * The tables in comparable form. Event ids, write times and ciphertexts (random per
 * encryption) are left out, SecureStrings compared by their decrypted value. A replicated
 * destination is written from its sources' values at the time the replicator runs, so how
 * many intermediate values it went through depends on timing: destinations are compared by
 * their final value only.
 */
export async function comparableState(sandbox: Sandbox, clients: SandboxClients) {
  const audit = new Map<string, string[]>();
  // The sandbox marks its new audit table as needing no migration: an item, not a record.
  const records = (await clients.scan(sandbox.tables.audit)).filter((item) => !isMigrationMarker(item)).sort((a, b) => Number(a.time) - Number(b.time));
  for (const record of records) {
    const name = String(record.parameter_name);
    const value =
      record.type === 'SecureString' && typeof record.value === 'string'
        ? await clients.decrypt(name, record.value)
        : record.value;
    const destination = name.startsWith('/app/');
    const entry = destination
      ? `${String(record.action)} ${String(record.type)} ${String(value)}`
      : `${String(record.action)} by ${String(record.user)} v${String(record.version)} ${String(record.type)} ${String(value)}`;
    audit.set(name, destination ? [entry] : [...(audit.get(name) ?? []), entry]);
  }
  const cache = (await clients.scan(sandbox.tables.cache))
    .map((item) => `${String(item.parameter_name)} ${String(item.state)}${String(item.parameter_name).startsWith('/app/') ? '' : ` v${String(item.version)}`}`)
    .sort();
  const index = (await clients.scan(sandbox.tables.replicationSources)).map((row) => `${String(row.source)} > ${String(row.destination)}`).sort();
  const parameters = sandbox.ssm
    .snapshot()
    .map((parameter) => `${parameter.name} ${parameter.type} ${parameter.value}${parameter.name.startsWith('/app/') ? '' : ` v${parameter.version}`}`);
  return { audit: Object.fromEntries([...audit].sort(([a], [b]) => a.localeCompare(b))), cache, index, parameters };
}
