import { DynamoNameCache } from '../shared/aws/dynamo-name-cache.ts';
import { CacheSyncer } from '../shared/cache/cache-syncer.ts';
import { ENV, requireEnv } from '../shared/config.ts';
import { documents, parameterStore } from './runtime/clients.ts';
import { figgyHandler } from './runtime/figgy-handler.ts';

/** Schedule → reconcile the name cache with Parameter Store. */
export const handler = figgyHandler('config-cache-syncer', (log) => {
  const syncer = new CacheSyncer({
    cache: new DynamoNameCache(documents, requireEnv(process.env, ENV.cacheTable)),
    parameters: parameterStore,
    log,
  });
  return () => syncer.sync();
});
