import { AuditSyncer } from '../shared/audit/audit-syncer.ts';
import { CloudTrailEventHistory, createCloudTrailClient } from '../shared/aws/cloudtrail-event-history.ts';
import { DynamoAuditLog } from '../shared/aws/dynamo-audit-log.ts';
import { ENV, auditImportDays, auditedNamespaces, bulkReadsPerSecond, requireEnv } from '../shared/config.ts';
import { AUDIT_SYNC_JOB } from '../shared/sync/jobs.ts';
import { documents, parameterStore } from './runtime/clients.ts';
import { figgyHandler } from './runtime/figgy-handler.ts';
import { syncInvocation, syncProgress } from './runtime/sync.ts';

// Here, not with the clients every function shares: only this function reads the history.
const cloudTrail = createCloudTrailClient();

/**
 * Schedule → this invocation's share of the pass that records every change in CloudTrail's
 * event history the audit log lacks (on a new deployment, the history before it too).
 */
export const handler = figgyHandler('audit-syncer', (log) => {
  const syncer = new AuditSyncer({
    history: new CloudTrailEventHistory(cloudTrail),
    // On a new deployment its import may be the first write: it marks the empty table as the auditor does.
    auditLog: new DynamoAuditLog(documents, requireEnv(process.env, ENV.auditTable), { markNewTable: true }),
    parameters: parameterStore,
    namespaces: auditedNamespaces(process.env),
    importDays: auditImportDays(process.env),
    readsPerSecond: bulkReadsPerSecond(process.env),
    log,
  });
  const progress = syncProgress();
  return (event: unknown, { context }) => syncInvocation(AUDIT_SYNC_JOB, syncer, event, context, log, progress);
});
