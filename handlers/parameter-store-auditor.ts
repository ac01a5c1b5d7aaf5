import { Auditor } from '../shared/audit/auditor.ts';
import { DynamoAuditLog } from '../shared/aws/dynamo-audit-log.ts';
import { ENV, auditedNamespaces, requireEnv } from '../shared/config.ts';
import { countAudit } from '../shared/metric-counts.ts';
import { documents, parameterStore } from './runtime/clients.ts';
import { ssmEventHandler } from './runtime/ssm-event.ts';

/** CloudTrail SSM rule → one audit record per changed parameter. */
export const handler = ssmEventHandler('parameter-store-auditor', (log, metrics) => {
  const auditor = new Auditor({
    // The first writer of a new deployment: it marks the empty table as needing no migration.
    auditLog: new DynamoAuditLog(documents, requireEnv(process.env, ENV.auditTable), { markNewTable: true }),
    parameters: parameterStore,
    namespaces: auditedNamespaces(process.env),
    log,
    metrics,
  });
  return async (change) => {
    const outcome = await auditor.record(change);
    countAudit(outcome, metrics);
    return outcome;
  };
});
