import { DynamoNameCache } from '../shared/aws/dynamo-name-cache.ts';
import { CacheSyncer } from '../shared/cache/cache-syncer.ts';
import { ENV, bulkReadsPerSecond, requireEnv } from '../shared/config.ts';
import { CACHE_PASS } from '../shared/metric-counts.ts';
import { CACHE_SYNC_JOB } from '../shared/sync/jobs.ts';
import { documents, parameterStore } from './runtime/clients.ts';
import { figgyHandler } from './runtime/figgy-handler.ts';
import { syncInvocation, syncProgress } from './runtime/sync.ts';

/**
 * Cache items per scan page. A page's work must end within the reserve the budget keeps
 * back; a thousand names take at most 20 DescribeParameters calls to check.
 */
const CACHE_PAGE_SIZE = 1_000;

/** Schedule → this invocation's share of the pass that reconciles the name cache with Parameter Store. */
export const handler = figgyHandler('config-cache-syncer', (log) => {
  const syncer = new CacheSyncer({
    cache: new DynamoNameCache(documents, requireEnv(process.env, ENV.cacheTable), { pageSize: CACHE_PAGE_SIZE }),
    parameters: parameterStore,
    readsPerSecond: bulkReadsPerSecond(process.env),
    log,
  });
  const progress = syncProgress();
  return (event: unknown, { context, metrics }) => syncInvocation(CACHE_SYNC_JOB, syncer, CACHE_PASS, event, { context, log, metrics }, progress);
});
