/**
 * How often each syncer runs unless the `schedules` prop says otherwise. A module of its own,
 * free of the CDK framework, because the sandbox's demo quotes them too.
 */
import type { ScheduledFunctionName } from '../shared/functions.ts';

export const DEFAULT_SCHEDULES: Readonly<Record<ScheduledFunctionName, string>> = {
  'replication-syncer': 'rate(15 minutes)',
  'config-cache-syncer': 'rate(1 hour)',
  'audit-syncer': 'rate(15 minutes)',
};
