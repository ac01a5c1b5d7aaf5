/**
 * DynamoDB Local has no IAM: this proxy in front of it authorizes every DynamoDB and DynamoDB
 * Streams request by the caller's access key (from the SigV4 `Authorization` header), its
 * `X-Amz-Target` operation and its JSON body, and answers a refused one as DynamoDB does;
 * allowed requests pass through unchanged.
 */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import { AccessDenied } from './iam/sandbox-iam.ts';
import { credentialScope } from './ssm/caller.ts';

/** One request as IAM needs it. */
export interface DynamoDbCall {
  readonly accessKeyId: string;
  /** From the credential scope: where the request acts. */
  readonly region: string;
  /** `GetItem`, `TransactWriteItems`, `GetRecords`, ... */
  readonly operation: string;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface DynamoDbProxyOptions {
  /** DynamoDB Local's endpoint, e.g. `http://127.0.0.1:8000`. */
  readonly target: string;
  /** Port to listen on; 0 or absent picks a free one. */
  readonly port?: number;
  /** Throws {@link AccessDenied} for a call IAM refuses; returns for one it allows. */
  readonly authorize: (call: DynamoDbCall) => void;
}

export interface DynamoDbProxy {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts the proxy on loopback.
 *
 * @example
 * const proxy = await startDynamoDbProxy({ target: dynamo.endpoint, authorize: (call) => iam.check(...) });
 * new DynamoDBClient({ endpoint: proxy.endpoint });
 */
export async function startDynamoDbProxy(options: DynamoDbProxyOptions): Promise<DynamoDbProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      let refusal: AccessDenied | undefined;
      try {
        refusal = refusalOf(incoming, body, options.authorize);
      } catch (error) {
        answer(outgoing, 500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', `sandbox IAM failed: ${(error as Error).message}`);
        return;
      }
      if (refusal) {
        answer(outgoing, 400, 'com.amazon.coral.service#AccessDeniedException', refusal.message);
        return;
      }
      const upstream = forward(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, host: target.host },
          agent,
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(outgoing);
        },
      );
      // DynamoDB Local restarting: the SDK retries a dropped connection as it would on AWS.
      upstream.on('error', () => outgoing.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The refusal of a request, or undefined to pass it on (unsigned or unreadable ones too: DynamoDB answers those). */
function refusalOf(incoming: IncomingMessage, body: Buffer, authorize: (call: DynamoDbCall) => void): AccessDenied | undefined {
  const scope = credentialScope(incoming.headers);
  const operation = /^DynamoDB(?:Streams)?_\d{8}\.(\w+)$/.exec(String(incoming.headers['x-amz-target'] ?? ''))?.[1];
  if (!scope || !operation) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  try {
    authorize({ accessKeyId: scope.accessKeyId, region: scope.region, operation, body: parsed as Record<string, unknown> });
    return undefined;
  } catch (error) {
    if (error instanceof AccessDenied) return error;
    throw error;
  }
}

/** An error as DynamoDB answers it; a refusal is HTTP 400 with the coral service's AccessDeniedException. */
function answer(outgoing: ServerResponse, status: number, type: string, message: string): void {
  const payload = JSON.stringify({ __type: type, Message: message });
  outgoing.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
  });
  outgoing.end(payload);
}
