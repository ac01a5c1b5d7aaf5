/**
 * The logging port the domain writes to.
 *
 * Fields are structured; the handlers' adapter adds the event id and the function context.
 * Callers pass parameter names, never values: nothing here redacts, so nothing secret may
 * be handed in.
 */
export interface LogFields {
  readonly parameter_name?: string;
  readonly event_id?: string;
  readonly [field: string]: unknown;
}

export interface Log {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A log that drops everything, for callers that have nowhere to report. */
export const silentLog: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** The message of anything thrown, for a log field or a report line. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
