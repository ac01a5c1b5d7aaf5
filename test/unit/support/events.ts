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

/** A PutParameter event built on the fixture, with a fresh event id unless one is given. */
export function putEvent(options: PutOptions): EventJson {
  const event = fixture('put-parameter');
  const time = options.time ?? '2026-11-26T10:15:42Z';
  return {
    ...event,
    time,
    detail: {
      ...event.detail,
      eventID: options.eventId ?? randomUUID(),
      eventTime: time,
      userIdentity: options.user
        ? { type: 'AssumedRole', arn: `arn:aws:sts::123456789012:assumed-role/dev/${options.user}` }
        : event.detail.userIdentity,
      requestParameters: {
        name: options.name,
        type: options.type ?? 'String',
        value: 'HIDDEN_DUE_TO_SECURITY_REASONS',
        overwrite: true,
      },
      responseElements: { version: options.version, tier: 'Standard' },
    },
  };
}

export function deleteEvent(options: { name: string; time?: string; eventId?: string }): EventJson {
  const event = fixture('delete-parameter');
  const time = options.time ?? '2026-11-26T10:20:05Z';
  return {
    ...event,
    time,
    detail: {
      ...event.detail,
      eventID: options.eventId ?? randomUUID(),
      eventTime: time,
      requestParameters: { name: options.name },
    },
  };
}
