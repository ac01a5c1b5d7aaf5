/**
 * The metrics of a sandbox run, read back from the functions' embedded-metric-format lines as
 * CloudWatch would read them from their logs: events handled and their age per function, and
 * the syncers' repairs by kind.
 */
import type { ScheduledFunctionName } from '../shared/functions.ts';
import { countsByKind } from '../shared/health-summary.ts';
import { FUNCTION_DIMENSION, METRICS, REPAIRS_NEED_ATTENTION, type MetricName } from '../shared/metrics.ts';
import type { FunctionLogLine } from './sandbox.ts';

/** One function's events: how many, and their age at handling. */
export interface FunctionEvents {
  readonly handled: number;
  /** Age in milliseconds at the 50th and 99th percentile and the oldest; absent without ages. */
  readonly age?: { readonly p50: number; readonly p99: number; readonly max: number };
}

export interface RunMetrics {
  /** By function, those that handled any event. */
  readonly events: Readonly<Record<string, FunctionEvents>>;
  /** The syncers' repairs by function and kind. */
  readonly repairs: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/**
 * Reads every EMF line (a JSON line with an `_aws` key) of `lines`. A metric classed by a
 * dimension is written twice, the total and once per class: the totals are counted, the
 * classes only for the repairs' kinds.
 *
 * @example
 * const metrics = runMetrics(sandbox.logs());
 * metrics.events['parameter-store-auditor']?.handled; // 9
 */
export function runMetrics(lines: readonly FunctionLogLine[]): RunMetrics {
  const handled = new Map<string, number>();
  const ages = new Map<string, number[]>();
  const repairs: Record<string, Record<string, number>> = {};
  const kind = METRICS.SyncRepairs.by;
  for (const { functionName, line } of lines) {
    const document = emfDocument(line);
    if (!document) continue;
    const fn = typeof document[FUNCTION_DIMENSION] === 'string' ? (document[FUNCTION_DIMENSION] as string) : functionName;
    const classed = typeof document[kind] === 'string';
    const handledNow = valuesOf(document, 'EventsHandled');
    if (handledNow.length > 0) handled.set(fn, (handled.get(fn) ?? 0) + handledNow.reduce((sum, value) => sum + value, 0));
    const agesNow = valuesOf(document, 'EventAge');
    if (agesNow.length > 0) ages.set(fn, [...(ages.get(fn) ?? []), ...agesNow]);
    const repaired = valuesOf(document, 'SyncRepairs').reduce((sum, value) => sum + value, 0);
    if (classed && repaired > 0) {
      const byKind = (repairs[fn] ??= {});
      const name = document[kind] as string;
      byKind[name] = (byKind[name] ?? 0) + repaired;
    }
  }
  const events: Record<string, FunctionEvents> = {};
  for (const [fn, count] of [...handled].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = (ages.get(fn) ?? []).sort((a, b) => a - b);
    events[fn] = { handled: count, ...(sorted.length > 0 && { age: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) as number } }) };
  }
  return { events, repairs };
}

/**
 * The run's metrics as the demo prints them, one line per function and one per syncer that
 * repaired anything, saying whether the construct would alarm on it.
 */
export function renderRunMetrics(metrics: RunMetrics): string {
  const width = Math.max(0, ...Object.keys(metrics.events).map((fn) => fn.length));
  const lines = Object.entries(metrics.events).map(([fn, events]) => {
    const age = events.age ? `, age p50 ${events.age.p50} ms, p99 ${events.age.p99} ms` : '';
    return `  ${fn.padEnd(width)}  ${events.handled} event(s) handled${age}`;
  });
  const repairs = Object.entries(metrics.repairs).map(([fn, kinds]) => {
    // The construct alarms only on the syncers whose repairs need attention.
    const alarm = REPAIRS_NEED_ATTENTION[fn as ScheduledFunctionName] ? 'its "repaired" alarm would fire' : 'counted, with no alarm';
    return `  ${fn} repaired ${countsByKind(kinds)}: ${alarm}`;
  });
  return [...lines, ...(repairs.length > 0 ? repairs : ['  no syncer repaired anything'])].join('\n');
}

function emfDocument(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as unknown;
    return parsed !== null && typeof parsed === 'object' && '_aws' in parsed ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A metric's values in one document: EMF allows a number or an array of them. */
function valuesOf(document: Record<string, unknown>, metric: MetricName): number[] {
  const value = document[metric];
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.filter((each): each is number => typeof each === 'number');
  return [];
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
