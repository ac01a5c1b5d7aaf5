import { DynamoNameCache } from '../shared/aws/dynamo-name-cache.ts';
import { CacheManager } from '../shared/cache/cache-manager.ts';
import { ENV, requireEnv } from '../shared/config.ts';
import { countCache } from '../shared/metric-counts.ts';
import { documents, parameterStore } from './runtime/clients.ts';
import { ssmEventHandler } from './runtime/ssm-event.ts';

/** CloudTrail SSM rule → the name cache: ACTIVE on put, DELETED tombstone on delete. */
export const handler = ssmEventHandler('config-cache-manager', (log, metrics) => {
  const manager = new CacheManager({
    cache: new DynamoNameCache(documents, requireEnv(process.env, ENV.cacheTable)),
    parameters: parameterStore,
    log,
    metrics,
  });
  return async (change) => {
    const outcome = await manager.apply(change);
    countCache(outcome, change.kind, metrics);
    return outcome;
  };
});
