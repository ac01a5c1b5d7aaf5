/**
 * Runaway detection: a destination rewritten without end is a loop the mappings cannot show.
 */
import type { ParameterValue } from '../parameters.ts';

/**
 * Writes of one destination within {@link REWRITE_WINDOW_MS} that mean replication is running
 * away: no parameter worth replicating changes every ten seconds for five minutes, while a
 * loop the cycle check cannot see (two deployments mirroring into each other, a mapping
 * changed while it was checked) rewrites its members as fast as events arrive.
 */
export const REWRITE_LIMIT = 30;
export const REWRITE_WINDOW_MS = 5 * 60 * 1000;

/**
 * The version of the destination to read to tell whether it is being rewritten without end,
 * or undefined when its current version alone shows it is not (old, or too few versions).
 */
export function rewriteProbe(current: ParameterValue | undefined, now: number): number | undefined {
  if (current?.lastModified === undefined || now - current.lastModified > REWRITE_WINDOW_MS) return undefined;
  return current.version >= REWRITE_LIMIT ? current.version - REWRITE_LIMIT + 1 : undefined;
}

/**
 * Why the destination must not be written again: its version {@link rewriteProbe} named,
 * `earlier`, was written within the window, so the last {@link REWRITE_LIMIT} writes all were.
 */
export function runawayRefusal(destination: string, earlier: ParameterValue | undefined, now: number): string | undefined {
  if (earlier?.lastModified === undefined || now - earlier.lastModified > REWRITE_WINDOW_MS) return undefined;
  return (
    `destination ${destination} was written ${REWRITE_LIMIT} times in the last ${REWRITE_WINDOW_MS / 60_000} minutes: ` +
    'replication stopped writing it as a runaway (a loop through mappings?); it resumes once the writes calm down'
  );
}
