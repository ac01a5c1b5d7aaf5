/**
 * HTTP and two AWS protocols: JSON 1.1 (`POST /` with `X-Amz-Target: <Service>.<Operation>`,
 * JSON in, JSON out, errors as `{"__type", "message"}`), which SSM and KMS speak, and query
 * (a form-encoded `Action=<Operation>` body, XML out), which STS speaks; both so that the SDK
 * raises its named exceptions.
 */
import { messageOf } from '../../shared/log.ts';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError } from './aws-error.ts';
import { callerOf, credentialScope, type Caller, type CallerDefaults } from './caller.ts';
import { decodeQueryBody, queryError, queryNamespace, queryResponse } from './query-protocol.ts';
import type { RequestInput } from './request-members.ts';

/** One decoded API call. */
export interface ApiCall {
  /**
   * The target's prefix for JSON calls (`AmazonSSM`, `TrentService`, or whatever else a client
   * sent); for query calls the service the request was signed for (`sts`).
   */
  readonly service: string;
  readonly operation: string;
  /** Returned as `x-amzn-RequestId`, so it matches the SDK's `$metadata.requestId`. */
  readonly requestId: string;
  readonly caller: Caller;
  /**
   * The request body as a JSON object; decoding waits for this call so that a throttled
   * request is refused before its body is read, as SSM does.
   *
   * @throws AwsError `SerializationException` when the body is not a JSON object.
   */
  readInput(): RequestInput;
}

/** Answers one call with its response members, or throws an {@link AwsError}. */
export type ApiHandler = (call: ApiCall) => object;

/** Where to listen and whom to assume for unsigned requests. */
export interface JsonServerOptions {
  readonly host: string;
  readonly port: number;
  readonly callerDefaults: CallerDefaults;
}

/** A listening AWS JSON endpoint. */
export interface JsonServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
// Longer than the SDK agent's idle sockets live, so that a pooled socket is never cut mid-request.
const KEEP_ALIVE_MS = 65_000;

/**
 * Serves `handler` over HTTP with keep-alive on `host:port` (port 0 picks a free one).
 *
 * @example
 * const server = await startJsonServer((call) => ({ echo: call.operation }), {
 *   host: '127.0.0.1', port: 0, callerDefaults: { account: '123456789012', region: 'us-east-1', roleName: 'r' },
 * });
 * await server.close();
 */
export async function startJsonServer(handler: ApiHandler, options: JsonServerOptions): Promise<JsonServer> {
  const server = createServer({ keepAlive: true }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => answer(handler, request, response, Buffer.concat(chunks), options.callerDefaults));
    request.on('error', () => response.destroy());
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // close() waits for idle keep-alive sockets otherwise, which the SDK's agent holds open.
        server.closeAllConnections();
      }),
  };
}

function answer(
  handler: ApiHandler,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
  callerDefaults: CallerDefaults,
): void {
  const requestId = randomUUID();
  if (request.method === 'POST' && String(request.headers['content-type'] ?? '').startsWith(FORM_CONTENT_TYPE)) {
    answerQuery(handler, request, response, body, callerDefaults, requestId);
    return;
  }
  const target = String(request.headers['x-amz-target'] ?? '');
  const dot = target.indexOf('.');
  const call: ApiCall = {
    service: dot < 0 ? '' : target.slice(0, dot),
    operation: dot < 0 ? target : target.slice(dot + 1),
    requestId,
    caller: callerOf(request.headers, request.socket.remoteAddress, callerDefaults),
    readInput: () => decodeBody(body),
  };
  try {
    if (request.method !== 'POST' || dot < 0) {
      throw new AwsError(
        'UnknownOperationException',
        `Send POST / with X-Amz-Target: <Service>.<Operation> (got ${request.method} "${target}").`,
      );
    }
    send(response, 200, handler(call), requestId);
  } catch (error) {
    const failure = error instanceof AwsError ? error : internalError(error);
    response.setHeader('x-amzn-ErrorType', failure.code);
    send(response, failure.statusCode, { __type: failure.code, message: failure.message }, requestId);
  }
}

function answerQuery(
  handler: ApiHandler,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
  callerDefaults: CallerDefaults,
  requestId: string,
): void {
  const input = decodeQueryBody(body);
  const service = credentialScope(request.headers)?.service ?? '';
  const namespace = queryNamespace(service, input.Version);
  const operation = typeof input.Action === 'string' ? input.Action : '';
  const call: ApiCall = {
    service,
    operation,
    requestId,
    caller: callerOf(request.headers, request.socket.remoteAddress, callerDefaults),
    readInput: () => input,
  };
  let status = 200;
  let payload: string;
  try {
    payload = queryResponse(operation, handler(call), requestId, namespace);
  } catch (error) {
    const failure = error instanceof AwsError ? error : internalError(error);
    status = failure.statusCode;
    payload = queryError(failure.code, failure.message, failure.statusCode, requestId, namespace);
  }
  const bytes = Buffer.from(payload, 'utf8');
  response.writeHead(status, { 'content-type': 'text/xml', 'content-length': bytes.length, 'x-amzn-RequestId': requestId });
  response.end(bytes);
}

function decodeBody(body: Buffer): RequestInput {
  if (body.length === 0) return {};
  let decoded: unknown;
  try {
    decoded = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
    throw new AwsError('SerializationException', 'The request body must be a JSON object.');
  }
  return decoded as RequestInput;
}

function send(response: ServerResponse, status: number, members: object, requestId: string): void {
  const payload = Buffer.from(JSON.stringify(members), 'utf8');
  response.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': payload.length,
    'x-amzn-RequestId': requestId,
  });
  response.end(payload);
}

/** A bug in the emulator: logged, and answered as SSM's InternalServerError. */
export function internalError(error: unknown): AwsError {
  if (error instanceof AwsError) return error;
  console.error('ssm emulator: unexpected error', error);
  return new AwsError('InternalServerError', messageOf(error), 500);
}
