import { DynamoNameCache } from '../shared/aws/dynamo-name-cache.ts';
import { CacheManager } from '../shared/cache/cache-manager.ts';
import { ENV, requireEnv } from '../shared/config.ts';
import { documents, parameterStore } from './runtime/clients.ts';
import { ssmEventHandler } from './runtime/ssm-event.ts';

/** CloudTrail SSM rule → the name cache: ACTIVE on put, DELETED tombstone on delete. */
export const handler = ssmEventHandler('config-cache-manager', (log) => {
  const manager = new CacheManager({
    cache: new DynamoNameCache(documents, requireEnv(process.env, ENV.cacheTable)),
    parameters: parameterStore,
    log,
  });
  return (change) => manager.apply(change);
});
