/**
 * Who is calling: read from the SigV4 Authorization header, never verified.
 *
 * Every caller is a session of one sandbox role named after its access key id, so a test acts
 * as another user just by using another access key.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The caller of one request, as far as CloudTrail and LastModifiedUser need it. */
export interface Caller {
  readonly accessKeyId: string;
  /** From the credential scope; KMS and SSM ARNs are built for it. */
  readonly region: string;
  readonly account: string;
  readonly roleName: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
}

/** What to assume when a request carries no credential scope (e.g. a hand-made curl call). */
export interface CallerDefaults {
  readonly account: string;
  readonly region: string;
  readonly roleName: string;
}

const CREDENTIAL_SCOPE = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/[^/,\s]+\/aws4_request/;
const ANONYMOUS = 'anonymous';

/**
 * The caller of a request, from `Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, ...`.
 *
 * @example
 * callerOf(request.headers, request.socket.remoteAddress, defaults).accessKeyId; // 'alice'
 */
export function callerOf(
  headers: IncomingHttpHeaders,
  remoteAddress: string | undefined,
  defaults: CallerDefaults,
): Caller {
  const scope = CREDENTIAL_SCOPE.exec(headers.authorization ?? '');
  return {
    accessKeyId: scope?.[1] ?? ANONYMOUS,
    region: scope?.[2] ?? defaults.region,
    account: defaults.account,
    roleName: defaults.roleName,
    // node reports IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d; CloudTrail shows a.b.c.d.
    sourceIPAddress: (remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    userAgent: headers['user-agent'] ?? '',
  };
}

/** The caller's assumed-role session ARN: `arn:aws:sts::<account>:assumed-role/<role>/<access key id>`. */
export function callerArn(caller: Caller): string {
  return `arn:aws:sts::${caller.account}:assumed-role/${caller.roleName}/${caller.accessKeyId}`;
}

/** The role's ARN, the issuer of every caller's session. */
export function roleArn(caller: Caller): string {
  return `arn:aws:iam::${caller.account}:role/${caller.roleName}`;
}

/**
 * A stable IAM role id (`AROA` + 17 characters) for the sandbox role, derived from its account
 * and name so records stay identical from one run to the next.
 */
export function roleId(caller: Caller): string {
  const digest = createHash('sha256').update(`${caller.account}/${caller.roleName}`).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const characters = Array.from(digest.subarray(0, 17), (byte) => alphabet[byte % alphabet.length]);
  return `AROA${characters.join('')}`;
}
