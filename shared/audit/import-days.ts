/**
 * How much of CloudTrail's event history a new deployment's audit log starts with.
 */

/** CloudTrail keeps 90 days of event history; nothing older can be looked up. */
export const MAX_IMPORT_DAYS = 90;

/** How far back the first pass of a new deployment reaches when nothing else is configured. */
export const DEFAULT_IMPORT_DAYS = MAX_IMPORT_DAYS;

/**
 * Why `days` cannot be the audit syncer's import, or undefined when it can: the construct, the
 * sandbox, the function's environment and the syncer itself check by this one rule.
 *
 * @example
 * importDaysProblem(91); // 'is 91; use a whole number of days from 0 (no import) to 90 (all CloudTrail keeps)'
 */
export function importDaysProblem(days: number): string | undefined {
  return Number.isInteger(days) && days >= 0 && days <= MAX_IMPORT_DAYS
    ? undefined
    : `is ${days}; use a whole number of days from 0 (no import) to ${MAX_IMPORT_DAYS} (all CloudTrail keeps)`;
}
