/**
 * The audit syncer's pass as the function runs it: the audit log and the progress table on
 * DynamoDB Local, Parameter Store and CloudTrail's event history in the emulator, read through
 * the real CloudTrail client at its real pace, the cursor carried from one invocation to the next.
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DeleteParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { AuditSyncer, OVERLAP_MS, type AuditSyncReport } from '../../shared/audit/audit-syncer.ts';
import { Auditor } from '../../shared/audit/auditor.ts';
import { CloudTrailEventHistory } from '../../shared/aws/cloudtrail-event-history.ts';
import { DynamoAuditLog } from '../../shared/aws/dynamo-audit-log.ts';
import { DynamoSyncProgress } from '../../shared/aws/dynamo-sync-progress.ts';
import { SsmParameterStore } from '../../shared/aws/ssm-parameter-store.ts';
import { parsePrefixes } from '../../shared/config.ts';
import { parseCloudTrailRecord } from '../../shared/events/cloudtrail.ts';
import { Budget } from '../../shared/sync/budget.ts';
import { runSyncPass, type SyncOutcome } from '../../shared/sync/sync-pass.ts';
import { startSsmEmulator, type CloudTrailDetail, type SsmEmulator } from '../../local/ssm/index.ts';
import { RecordingLog } from '../unit/support/in-memory.ts';
import { useFreshTables } from './dynamodb-local.ts';

const JOB = 'audit-syncer';
const REGION = 'eu-west-1';

describe('audit sync pass on DynamoDB Local, across invocations', function () {
  this.timeout(120_000);
  const tables = useFreshTables();
  let emulator: SsmEmulator;
  let ssm: SSMClient;
  let cloudTrail: CloudTrailClient;
  let lookups = 0;
  const records: CloudTrailDetail[] = [];
  let invocation = 0;

  before(async () => {
    emulator = await startSsmEmulator({ region: REGION });
    emulator.onWrite((detail) => {
      records.push(detail);
    });
    const credentials = { accessKeyId: 'dana', secretAccessKey: 'x' };
    ssm = new SSMClient({ endpoint: emulator.url, region: REGION, credentials, maxAttempts: 1 });
    cloudTrail = new CloudTrailClient({ endpoint: emulator.url, region: REGION, credentials: { accessKeyId: 'auditsyncer', secretAccessKey: 'x' } });
    cloudTrail.middlewareStack.add(
      (next) => async (args) => {
        lookups++;
        return next(args);
      },
      { step: 'initialize', name: 'countLookups' },
    );
  });

  after(async () => {
    ssm?.destroy();
    cloudTrail?.destroy();
    await emulator?.stop();
  });

  const parts = () => {
    const { documents, names } = tables();
    const auditLog = new DynamoAuditLog(documents, names.audit);
    const parameters = new SsmParameterStore(ssm);
    const namespaces = parsePrefixes('/', 'AUDITED_NAMESPACES');
    const log = new RecordingLog();
    const syncer = new AuditSyncer({ history: new CloudTrailEventHistory(cloudTrail), auditLog, parameters, namespaces, log, importDays: 1 });
    const auditor = new Auditor({ auditLog, parameters, namespaces, log });
    const progress = new DynamoSyncProgress(documents, names.syncProgress);
    return { documents, names, auditLog, syncer, auditor, progress, log };
  };

  const pass = async (budgetMs: number): Promise<SyncOutcome<AuditSyncReport>> => {
    const { syncer, progress, log } = parts();
    return runSyncPass({ store: progress, job: JOB, owner: `request-${++invocation}`, trigger: 'start', budget: Budget.of(budgetMs), log }, syncer);
  };

  const wholePass = async (budgetMs = 300_000) => {
    const outcomes: string[] = [];
    let outcome: SyncOutcome<AuditSyncReport>;
    do {
      outcome = await pass(budgetMs);
      outcomes.push(outcome.status);
    } while (outcome.status === 'continuing');
    expect(outcome.status).to.equal('finished');
    return { outcomes, report: (outcome as { report: AuditSyncReport }).report };
  };

  const itemsOf = async (name: string) => {
    const { documents, names } = tables();
    const { Items = [] } = await documents.send(
      new QueryCommand({ TableName: names.audit, KeyConditionExpression: 'parameter_name = :name', ExpressionAttributeValues: { ':name': name } }),
    );
    return Items;
  };

  it('continues a pass over 130 events across invocations from its checkpoints, at two lookups a second, never throttled', async () => {
    for (let index = 0; index < 120; index++) await ssm.send(new PutParameterCommand({ Name: `/bulk/p${index}`, Value: `v${index}`, Type: 'String' }));
    await ssm.send(new DeleteParametersCommand({ Names: ['/bulk/p0', '/bulk/p1', '/bulk/never-was'] }));
    // Fails: it exists already. The history has it, with its errorCode.
    await ssm.send(new PutParameterCommand({ Name: '/bulk/p5', Value: 'again', Type: 'String' })).catch(() => undefined);
    lookups = 0;
    const before = emulator.callCounts().LookupEvents ?? 0;
    // Three seconds an invocation: a page or two each, as the budget and the pace allow.
    const { outcomes, report } = await wholePass(3_000);
    expect(outcomes.length).to.be.greaterThan(1);
    expect(report, JSON.stringify(report)).to.deep.include({ repaired: 122, changedNothing: 1, rejected: 0 });
    // Every lookup the client sent was answered: none was throttled and retried.
    expect((emulator.callCounts().LookupEvents ?? 0) - before).to.equal(lookups);
    // Three pages of puts, one of each delete event: a DeleteParameters naming a missing
    // parameter records only the names it deleted.
    expect(lookups).to.be.at.least(5);
    expect(await itemsOf('/bulk/never-was')).to.deep.equal([]);
    expect((await itemsOf('/bulk/p0')).map((item) => [item.action, item.repair])).to.deep.equal([
      ['PutParameter', true],
      ['DeleteParameters', true],
    ]);
    const [p7] = await itemsOf('/bulk/p7');
    expect(p7).to.deep.include({ value: 'v7', version: '1', user: 'dana', repair: true });
    expect((await itemsOf('/bulk/p5')).map((item) => item.value)).to.deep.equal(['v5']);
  });

  it('saves how far the pass covered, and the next one begins there less the overlap, finding what it saw recorded', async () => {
    const { documents, names } = tables();
    const { Item: job } = await documents.send(new GetCommand({ TableName: names.syncProgress, Key: { job: JOB } }));
    const coveredUntil = job?.covered_until as number;
    expect(coveredUntil).to.be.a('number').and.be.at.most(Date.now());
    expect(job).not.to.have.property('state');
    await ssm.send(new PutParameterCommand({ Name: '/bulk/late', Value: 'v', Type: 'String' }));
    const { report } = await wholePass();
    expect(report).to.deep.include({ repaired: 1 });
    // Every event of the last fifteen minutes is looked at again, and found recorded.
    expect(report.alreadyRecorded).to.equal(122);
    expect(Date.now() - coveredUntil).to.be.below(OVERLAP_MS);
  });

  it('writes one record per event with the auditor before or after it, and the auditor\'s record is not a repair', async () => {
    const { auditor } = parts();
    const sent = records.length;
    await ssm.send(new PutParameterCommand({ Name: '/twice/auditor-first', Value: 'a', Type: 'String' }));
    await ssm.send(new PutParameterCommand({ Name: '/twice/syncer-first', Value: 's', Type: 'String' }));
    const [first, second] = records.slice(sent);
    for (const change of parseCloudTrailRecord(first)) expect(await auditor.record(change)).to.equal('recorded');
    const { report } = await wholePass();
    expect(report).to.deep.include({ repaired: 1 });
    for (const change of parseCloudTrailRecord(second)) expect(await auditor.record(change)).to.equal('duplicate');
    expect((await itemsOf('/twice/auditor-first')).map((item) => [item.value, item.repair])).to.deep.equal([['a', undefined]]);
    expect((await itemsOf('/twice/syncer-first')).map((item) => [item.value, item.repair])).to.deep.equal([['s', true]]);
  });
});
