/**
 * STS in the few lines the replication functions need of it: GetCallerIdentity and AssumeRole
 * over STS's query protocol, signed with SigV4 and sent with the HTTP handler the SDK clients
 * already bundle.
 *
 * Why not `@aws-sdk/client-sts`: for two calls it brings the query protocol, an XML parser,
 * SigV4a and its own endpoint rules: about 34 KiB of each replication bundle (measured), against
 * a size goal of 300 KiB per bundle (bench/cold-start.bench.ts). This is under 5 KB.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  Checksum,
  HttpRequest,
  HttpResponse,
  SourceData,
} from '@smithy/types';
import { FiggyEventsError } from '../errors.ts';
import { partitionOf } from '../partitions.ts';
import type { RoleSessions } from './replica-places.ts';

/** The API version every query-protocol call of STS names. */
const STS_API_VERSION = '2011-06-15';

/** STS's own default for AssumeRole, and the most a chained role session may last. */
const DEFAULT_SESSION_SECONDS = 3600;

// As the SDK's standard retry mode (its 2026 settings): 3 attempts; before the n-th retry a
// random wait of up to 50 ms × 2^(n-1), or 1 s × 2^(n-1) after a throttle, never over 20 s.
const MAX_ATTEMPTS = 3;
const BACKOFF_BASE_MS = 50;
const THROTTLED_BACKOFF_BASE_MS = 1000;
const MAX_BACKOFF_MS = 20_000;

// The codes by which AWS services say "too fast"; STS itself answers `Throttling` (HTTP 400).
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'RequestThrottled',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'PriorRequestNotComplete',
]);

// DNS suffix per partition, as AWS's endpoint rules spell them.
const DNS_SUFFIXES: Readonly<Record<string, string>> = {
  aws: 'amazonaws.com',
  'aws-cn': 'amazonaws.com.cn',
  'aws-us-gov': 'amazonaws.com',
};

/** The part of an SDK HTTP handler (`NodeHttpHandler` in a function) that sends a request. */
export interface StsHttpHandler {
  handle(request: HttpRequest): Promise<{ response: HttpResponse }>;
}

/** Where, and as whom, {@link StsRoleSessions} calls STS. */
export interface StsRoleSessionsOptions {
  /** The region whose STS endpoint is called and whose name signs the calls: the function's. */
  readonly region: string;
  /**
   * `AWS_ENDPOINT_URL_STS` (else `AWS_ENDPOINT_URL`) when set, as the SDK reads them; else STS's
   * regional endpoint. The sandbox points functions at its emulator this way.
   * @defaultValue `process.env`
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The caller's own credentials.
   * @defaultValue the provider every SDK client of the process uses (in a function bundle, the
   *   environment's, as Lambda sets them)
   */
  readonly credentials?: AwsCredentialIdentityProvider;
  /** @defaultValue a `NodeHttpHandler` of its own */
  readonly httpHandler?: StsHttpHandler;
  /** Waits between attempts; tests replace it. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1), for the backoff's jitter; tests replace it. */
  readonly random?: () => number;
}

/**
 * A failed STS call, with STS's error code as its `name` (as the SDK's exceptions have), its
 * message as STS worded it, and the HTTP status.
 */
export class StsError extends FiggyEventsError {
  /** True for throttling and server faults, which may pass; false when a grant or the input must change. */
  readonly retryable: boolean;

  constructor(readonly code: string, message: string, readonly statusCode: number, readonly requestId?: string) {
    super(message);
    this.name = code;
    this.retryable = isTransient(code, statusCode);
  }
}

/**
 * {@link RoleSessions} on STS, with the function's own credentials.
 *
 * Each call is tried up to three times when STS throttles, answers 5xx or cannot be reached,
 * as the SDK client did; any other failure (AccessDenied for a role that does not trust the
 * function, a ValidationError) is thrown at once as an {@link StsError}.
 *
 * @example
 * const roles = new StsRoleSessions({ region: 'eu-west-1' });
 * const account = await roles.callerAccount(); // '123456789012'
 * const credentials = await roles.assumeRole('arn:aws:iam::210987654321:role/figgy-replica-writer', 'replication-syncer');
 */
export class StsRoleSessions implements RoleSessions {
  private readonly signer: SignatureV4;
  private readonly httpHandler: StsHttpHandler;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private endpoint: URL | undefined;

  constructor(private readonly options: StsRoleSessionsOptions) {
    this.signer = new SignatureV4({
      service: 'sts',
      region: options.region,
      credentials: options.credentials ?? defaultProvider(),
      sha256: NodeSha256,
    });
    this.httpHandler = options.httpHandler ?? new NodeHttpHandler();
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  async callerAccount(): Promise<string> {
    const result = await this.call('GetCallerIdentity', {});
    const account = elementText(result, 'Account');
    if (!account) throw new Error('STS GetCallerIdentity returned no Account');
    return account;
  }

  async assumeRole(
    roleArn: string,
    sessionName: string,
    durationSeconds = DEFAULT_SESSION_SECONDS,
  ): Promise<AwsCredentialIdentity> {
    const result = await this.call('AssumeRole', {
      RoleArn: roleArn,
      RoleSessionName: sessionName,
      DurationSeconds: String(durationSeconds),
    });
    const issued = innerXml(result, 'Credentials') ?? '';
    const accessKeyId = elementText(issued, 'AccessKeyId');
    const secretAccessKey = elementText(issued, 'SecretAccessKey');
    if (!accessKeyId || !secretAccessKey) throw new Error(`STS AssumeRole of ${roleArn} returned no credentials`);
    const sessionToken = elementText(issued, 'SessionToken');
    const expiration = elementText(issued, 'Expiration');
    const expires = expiration === undefined ? undefined : new Date(expiration);
    if (expires && Number.isNaN(expires.getTime())) {
      throw new Error(`STS AssumeRole of ${roleArn} returned an Expiration that is not a time: "${expiration}"`);
    }
    return {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken !== undefined && { sessionToken }),
      ...(expires && { expiration: expires }),
    };
  }

  /** The `<ActionResult>` of one call, after the retries a transient failure earns. */
  private async call(action: string, members: Record<string, string>): Promise<string> {
    const body = new URLSearchParams({ Action: action, Version: STS_API_VERSION, ...members }).toString();
    for (let attempt = 1; ; attempt += 1) {
      let failure: unknown;
      try {
        return await this.send(action, body);
      } catch (error) {
        failure = error;
      }
      const transient = failure instanceof Unreachable || (failure instanceof StsError && failure.retryable);
      if (!transient || attempt >= MAX_ATTEMPTS) throw failure instanceof Unreachable ? failure.cause : failure;
      const throttled = failure instanceof StsError && THROTTLING_CODES.has(failure.code);
      const base = throttled ? THROTTLED_BACKOFF_BASE_MS : BACKOFF_BASE_MS;
      await this.sleep(Math.floor(this.random() * Math.min(MAX_BACKOFF_MS, base * 2 ** (attempt - 1))));
    }
  }

  private async send(action: string, body: string): Promise<string> {
    this.endpoint ??= stsEndpoint(this.options.region, this.options.env ?? process.env);
    const { protocol, hostname, port, host, pathname } = this.endpoint;
    const request: HttpRequest = {
      method: 'POST',
      protocol,
      hostname,
      ...(port === '' ? {} : { port: Number(port) }),
      path: pathname,
      query: {},
      headers: {
        host,
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'figgy-events',
      },
      body,
    };
    const signed = await this.signer.sign(request);
    let response: HttpResponse;
    let text: string;
    try {
      ({ response } = await this.httpHandler.handle(signed));
      text = await bodyText(response.body);
    } catch (error) {
      throw new Unreachable(error);
    }
    if (response.statusCode >= 200 && response.statusCode < 300) {
      const result = innerXml(text, `${action}Result`);
      if (result === undefined) throw new Error(`STS ${action} answered HTTP ${response.statusCode} without <${action}Result>`);
      return result;
    }
    throw errorOf(text, response);
  }
}

/** A call that got no answer from STS (refused, reset, timed out): tried again, then its cause is thrown. */
class Unreachable {
  constructor(readonly cause: unknown) {}
}

/**
 * Where STS is: `AWS_ENDPOINT_URL_STS` or `AWS_ENDPOINT_URL` when set (unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`), as every SDK client reads them; else the
 * regional endpoint of the region's partition, as the SDK uses by default.
 *
 * @throws Error when neither an endpoint nor a region is known.
 * @example
 * stsEndpoint('eu-west-1', {}).href;       // 'https://sts.eu-west-1.amazonaws.com/'
 * stsEndpoint('cn-north-1', {}).href;      // 'https://sts.cn-north-1.amazonaws.com.cn/'
 * stsEndpoint('eu-west-1', { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:4583' }).href; // 'http://127.0.0.1:4583/'
 */
export function stsEndpoint(region: string, env: NodeJS.ProcessEnv): URL {
  const configured =
    env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true' ? undefined : env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL;
  if (configured) return new URL(configured);
  if (!region) throw new Error('no region for STS: set AWS_REGION (Lambda sets it), or AWS_ENDPOINT_URL_STS');
  return new URL(`https://sts.${region}.${DNS_SUFFIXES[partitionOf(region)]}`);
}

function isTransient(code: string, statusCode: number): boolean {
  return THROTTLING_CODES.has(code) || statusCode === 429 || statusCode >= 500;
}

function errorOf(text: string, response: HttpResponse): StsError {
  const error = innerXml(text, 'Error') ?? '';
  const code = elementText(error, 'Code');
  const requestId = elementText(text, 'RequestId') ?? headerOf(response, 'x-amzn-requestid');
  if (code === undefined) {
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    return new StsError(
      'UnknownError',
      `STS answered HTTP ${response.statusCode} without an error code: ${shown}`,
      response.statusCode,
      requestId,
    );
  }
  return new StsError(code, elementText(error, 'Message') ?? '', response.statusCode, requestId);
}

function headerOf(response: HttpResponse, name: string): string | undefined {
  const key = Object.keys(response.headers).find((each) => each.toLowerCase() === name);
  return key === undefined ? undefined : response.headers[key];
}

/**
 * The markup inside the first `<name>` element of `xml`; undefined when there is none. STS's
 * answers are a few flat, known elements, so no XML parser is bundled for them.
 */
function innerXml(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml)?.[1];
}

/** The text of the first `<name>` element of `xml`, trimmed, its entities decoded. */
function elementText(xml: string, name: string): string | undefined {
  const inner = innerXml(xml, name);
  return inner === undefined ? undefined : decodeEntities(inner.trim());
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(
    /&(?:#(\d+)|#x([\da-f]+)|(amp|lt|gt|quot|apos));/gi,
    (entity, decimal?: string, hex?: string, named?: string) => {
      if (decimal !== undefined) return String.fromCodePoint(Number(decimal));
      if (hex !== undefined) return String.fromCodePoint(Number.parseInt(hex, 16));
      return NAMED_ENTITIES[(named ?? '').toLowerCase()] ?? entity;
    },
  );
}

async function bodyText(body: unknown): Promise<string> {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * SHA-256 and HMAC-SHA256 for the signer from node:crypto, as the SDK's own Node hash is:
 * nothing to bundle, and it works with the runtime's SDK in the external-SDK build too.
 */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: Uint8Array): void {
    this.hash.update(bytesOf(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(this.secret));
  }
}

function bytesOf(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
