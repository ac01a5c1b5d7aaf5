/**
 * CloudTrail events for tests: the JSON fixtures as AWS sends them, and variations of them.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

const FIXTURES = new URL('../../fixtures/cloudtrail/', import.meta.url);

export type EventJson = Record<string, unknown> & { detail: Record<string, unknown> };

export function fixture(name: string): EventJson {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as EventJson;
}

export interface PutOptions {
  readonly name: string;
  readonly version: number;
  readonly time?: string;
  readonly type?: string;
  readonly eventId?: string;
  readonly user?: string;
}

/** A fixture event moved to `time`, with a fresh event id unless one is given. */
function variation(
  name: string,
  options: { time?: string; eventId?: string },
  detail: Record<string, unknown>,
): EventJson {
  const event = fixture(name);
  const time = options.time ?? String(event.time);
  return {
    ...event,
    time,
    detail: { ...event.detail, eventID: options.eventId ?? randomUUID(), eventTime: time, ...detail },
  };
}

/** A PutParameter event built on the fixture. */
export function putEvent(options: PutOptions): EventJson {
  return variation('put-parameter', options, {
    ...(options.user && {
      userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::123456789012:assumed-role/dev/${options.user}` },
    }),
    requestParameters: {
      name: options.name,
      type: options.type ?? 'String',
      value: 'HIDDEN_DUE_TO_SECURITY_REASONS',
      overwrite: true,
    },
    responseElements: { version: options.version, tier: 'Standard' },
  });
}

/** A DeleteParameter event built on the fixture. */
export function deleteEvent(options: { name: string; time?: string; eventId?: string }): EventJson {
  return variation('delete-parameter', options, { requestParameters: { name: options.name } });
}
