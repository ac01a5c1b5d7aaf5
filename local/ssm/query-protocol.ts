/**
 * The AWS query protocol, which STS speaks: a form-encoded `Action=...&Version=...` body in,
 * XML out (`<ActionResponse><ActionResult>...`), errors as `<ErrorResponse><Error>`.
 */
import type { RequestInput } from './request-members.ts';

/** The form-encoded request body as members: `Action`, `Version` and the operation's input. */
export function decodeQueryBody(body: Buffer): RequestInput {
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}

/**
 * A successful answer: the members inside `<ActionResult>`, then the request id.
 *
 * @example
 * queryResponse('GetCallerIdentity', { Account: '123456789012' }, requestId, namespace);
 */
export function queryResponse(action: string, members: object, requestId: string, namespace: string): string {
  return (
    `<${action}Response xmlns="${namespace}">` +
    `<${action}Result>${elements(members)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
    `</${action}Response>`
  );
}

/** A failed call; `Sender` faults are the caller's to fix, `Receiver` ones the service's. */
export function queryError(code: string, message: string, statusCode: number, requestId: string, namespace: string): string {
  const type = statusCode >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${namespace}">` +
    `<Error><Type>${type}</Type><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId>` +
    `</ErrorResponse>`
  );
}

/** Where a query service's XML lives: `https://sts.amazonaws.com/doc/2011-06-15/`. */
export function queryNamespace(service: string, version: unknown): string {
  return `https://${service}.amazonaws.com/doc/${typeof version === 'string' ? version : ''}/`;
}

// Lists are <member> elements, timestamps ISO 8601: the query protocol's defaults.
function elements(members: object): string {
  return Object.entries(members)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `<${name}>${content(value)}</${name}>`)
    .join('');
}

function content(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((entry) => `<member>${content(entry)}</member>`).join('');
  if (typeof value === 'object' && value !== null) return elements(value);
  return escape(String(value));
}

function escape(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
