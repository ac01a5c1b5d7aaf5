/**
 * Who is calling, and where: read from the SigV4 Authorization header, never verified.
 *
 * The credential scope names the region the request acts in; the access key id names the
 * principal (see {@link Principal}), so a test acts as another user, or in another account,
 * just by using another access key.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from './principals.ts';

/** The caller of one request, as far as CloudTrail and LastModifiedUser need it. */
export interface Caller extends Principal {
  readonly accessKeyId: string;
  /** From the credential scope; KMS and SSM ARNs are built for it, and its data is served. */
  readonly region: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
}

/** How to place a request: the region of unsigned ones, and whom an access key acts as. */
export interface CallerDefaults {
  /** For a request that carries no credential scope (e.g. a hand-made curl call). */
  readonly region: string;
  principalOf(accessKeyId: string): Principal;
}

/** The SigV4 credential scope: `Credential=AKID/date/region/service/aws4_request`. */
export interface CredentialScope {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
}

const CREDENTIAL_SCOPE = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;
const ANONYMOUS = 'anonymous';

/** The credential scope of a signed request; undefined for an unsigned one. */
export function credentialScope(headers: IncomingHttpHeaders): CredentialScope | undefined {
  const scope = CREDENTIAL_SCOPE.exec(headers.authorization ?? '');
  return scope ? { accessKeyId: scope[1], region: scope[2], service: scope[3] } : undefined;
}

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
  const scope = credentialScope(headers);
  const accessKeyId = scope?.accessKeyId ?? ANONYMOUS;
  return {
    ...defaults.principalOf(accessKeyId),
    accessKeyId,
    region: scope?.region ?? defaults.region,
    // node reports IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d; CloudTrail shows a.b.c.d.
    sourceIPAddress: (remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    userAgent: headers['user-agent'] ?? '',
  };
}

/** The caller's assumed-role session ARN: `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
export function callerArn(caller: Principal): string {
  return `arn:aws:sts::${caller.account}:assumed-role/${caller.roleName}/${caller.sessionName}`;
}

/** The role's ARN, the issuer of the caller's session. */
export function roleArn(caller: Pick<Principal, 'account' | 'roleName'>): string {
  return `arn:aws:iam::${caller.account}:role/${caller.roleName}`;
}

/**
 * A stable IAM role id (`AROA` + 17 characters) for a role, derived from its account and name
 * so records stay identical from one run to the next.
 */
export function roleId(caller: Pick<Principal, 'account' | 'roleName'>): string {
  const digest = createHash('sha256').update(`${caller.account}/${caller.roleName}`).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const characters = Array.from(digest.subarray(0, 17), (byte) => alphabet[byte % alphabet.length]);
  return `AROA${characters.join('')}`;
}
