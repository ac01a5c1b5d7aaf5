/**
 * How much of CloudTrail's event history a new deployment's audit log starts with.
 */

/** CloudTrail keeps 90 days of event history; nothing older can be looked up. */
export const MAX_IMPORT_DAYS = 90;

/** How far back the first pass of a new deployment reaches when nothing else is configured. */
export const DEFAULT_IMPORT_DAYS = MAX_IMPORT_DAYS;
