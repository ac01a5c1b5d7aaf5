/**
 * StsRoleSessions against the sandbox's STS (the SSM emulator serves it on the same endpoint),
 * and the replica places that use it: the home account learnt, a target's role assumed, its
 * credentials acting in the target's account, STS's refusals surfaced as STS words them, and
 * every request signed with SigV4 that verifies against the secret key.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { expect } from 'chai';
import { SsmReplicaPlaces } from '../../shared/aws/replica-places.ts';
import { StsError, StsRoleSessions } from '../../shared/aws/sts-role-sessions.ts';
import type { ReplicaStore } from '../../shared/replication/types.ts';
import { startSsmEmulator, type CloudTrailDetail, type SsmEmulator } from '../../local/ssm/index.ts';

const HOME = '123456789012';
const DR = '210987654321';
const ROLE = `arn:aws:iam::${DR}:role/figgy-replica-writer`;
const NOW = new Date('2026-11-26T12:00:00Z');
const ALICE = { accessKeyId: 'alice', secretAccessKey: 'alice-secret' };

interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** One request as it arrived on the wire. */
interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

describe('StsRoleSessions against the sandbox STS', () => {
  let emulator: SsmEmulator;
  let proxy: Server;
  let proxyUrl: string;
  const wire: RecordedRequest[] = [];
  const records: CloudTrailDetail[] = [];
  const clients: SSMClient[] = [];

  const roles = (credentials: Credentials = ALICE, endpoint = emulator.url) =>
    new StsRoleSessions({
      region: 'eu-west-1',
      env: { AWS_ENDPOINT_URL_STS: endpoint },
      credentials: () => Promise.resolve(credentials),
    });
  const ssm = (region: string, credentials: Credentials) => {
    const client = new SSMClient({ endpoint: emulator.url, region, credentials, maxAttempts: 1 });
    clients.push(client);
    return client;
  };
  const rejection = (promise: Promise<unknown>): Promise<Error> =>
    promise.then(
      () => expect.fail('the call succeeded'),
      (error: Error) => error,
    );

  before(async () => {
    emulator = await startSsmEmulator({
      region: 'eu-west-1',
      account: HOME,
      accessKeys: { 'dr-admin': DR },
      roles: [ROLE],
      clock: () => NOW,
    });
    emulator.onWrite((detail) => {
      records.push(detail);
    });
    ({ server: proxy, url: proxyUrl } = await recordingProxy(emulator.url, wire));
  });
  beforeEach(() => {
    emulator.reset();
    records.length = 0;
    wire.length = 0;
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await new Promise((resolve) => proxy.close(resolve));
    await emulator.stop();
  });

  it('learns the account its own credentials act in', async () => {
    expect(await roles(ALICE).callerAccount()).to.equal(HOME);
    expect(await roles({ accessKeyId: 'dr-admin', secretAccessKey: 'x' }).callerAccount()).to.equal(DR);
  });

  it("assumes a role whose credentials act as the role, in the role's account", async () => {
    const assumed = await roles().assumeRole(ROLE, 'replication-syncer');

    await ssm('eu-central-1', assumed).send(new PutParameterCommand({ Name: '/dr/db', Value: 'copy', Type: 'String' }));

    expect(assumed.accessKeyId).to.match(/^ASIA[A-Z2-7]{16}$/);
    expect(assumed.sessionToken).to.be.a('string').that.is.not.empty;
    expect(assumed.expiration).to.deep.equal(new Date(NOW.getTime() + 3600 * 1000));
    expect(await roles(assumed).callerAccount()).to.equal(DR);
    expect(emulator.snapshot({ region: 'eu-central-1', account: DR }).map((parameter) => parameter.value)).to.deep.equal([
      'copy',
    ]);
    expect(emulator.snapshot({ region: 'eu-central-1' })).to.deep.equal([]);
    expect(records[0].userIdentity).to.deep.include({
      arn: `arn:aws:sts::${DR}:assumed-role/figgy-replica-writer/replication-syncer`,
      accountId: DR,
    });
  });

  it('surfaces AccessDenied for a role it may not assume, with STS code and message, without retrying', async () => {
    const nobody = `arn:aws:iam::${DR}:role/nobody`;

    const error = await rejection(roles().assumeRole(nobody, 'replication-syncer'));

    expect(error).to.be.instanceOf(StsError);
    expect(error).to.include({
      name: 'AccessDenied',
      code: 'AccessDenied',
      statusCode: 403,
      retryable: false,
      message: `User: arn:aws:sts::${HOME}:assumed-role/figgy-sandbox/alice is not authorized to perform: sts:AssumeRole on resource: ${nobody}`,
    });
    expect(emulator.callCounts()).to.deep.equal({ AssumeRole: 1 });
  });

  it('surfaces a ValidationError with its message as STS words it, quotes and all', async () => {
    const error = await rejection(roles().assumeRole(ROLE, 'x'));

    expect(error).to.include({
      name: 'ValidationError',
      statusCode: 400,
      message:
        "1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    });
  });

  it('signs every call with SigV4 for sts in its region, which verifies against the secret key', async () => {
    const assumed = await roles(ALICE, proxyUrl).assumeRole(ROLE, 'replication-syncer');
    await roles(assumed, proxyUrl).callerAccount();

    const [assumeRole, callerIdentity] = wire;
    expect(wire).to.have.length(2);
    expect(scopeOf(assumeRole)).to.deep.equal({ accessKeyId: 'alice', region: 'eu-west-1', service: 'sts' });
    expect(verifiesWith(assumeRole, ALICE.secretAccessKey)).to.equal(true);
    expect(verifiesWith(assumeRole, 'another-secret')).to.equal(false);
    expect(scopeOf(callerIdentity)).to.deep.equal({ accessKeyId: assumed.accessKeyId, region: 'eu-west-1', service: 'sts' });
    expect(callerIdentity.headers['x-amz-security-token']).to.equal(assumed.sessionToken);
    expect(signedHeadersOf(callerIdentity)).to.include('x-amz-security-token').and.include('host').and.include('content-type');
    expect(verifiesWith(callerIdentity, assumed.secretAccessKey)).to.equal(true);
  });

  describe('SsmReplicaPlaces through it', () => {
    const endpointBefore = process.env.AWS_ENDPOINT_URL_SSM;
    const unusedHome = {} as ReplicaStore;

    // The places make their SSM clients themselves, which find the emulator as functions do.
    before(() => {
      process.env.AWS_ENDPOINT_URL_SSM = emulator.url;
    });
    after(() => {
      if (endpointBefore === undefined) delete process.env.AWS_ENDPOINT_URL_SSM;
      else process.env.AWS_ENDPOINT_URL_SSM = endpointBefore;
    });

    it("writes in a target's account through its role, assuming it once for many writes", async () => {
      const places = new SsmReplicaPlaces({
        home: unusedHome,
        region: 'eu-west-1',
        targets: [{ region: 'us-east-1', accountId: DR, roleArn: ROLE, destinationPrefixes: ['/dr/'] }],
        roles: roles(),
        sessionName: 'figgy events/replicator',
        // The emulator's time: its credentials expire an hour after NOW, which may be past.
        now: () => NOW.getTime(),
      });

      const home = await places.home();
      await places.home();
      const dr = places.parametersIn({ region: 'us-east-1', account: DR });
      await dr.write({ name: '/dr/a', type: 'String', value: '1' });
      await dr.write({ name: '/dr/b', type: 'String', value: '2' });
      const read = await ssm('us-east-1', { accessKeyId: 'dr-admin', secretAccessKey: 'x' }).send(
        new GetParameterCommand({ Name: '/dr/b' }),
      );

      expect(home).to.deep.equal({ region: 'eu-west-1', account: HOME });
      expect(places.parametersIn({ region: 'eu-west-1', account: HOME })).to.equal(unusedHome);
      expect(read.Parameter?.Value).to.equal('2');
      expect(records.map((record) => record.userIdentity.arn)).to.deep.equal([
        `arn:aws:sts::${DR}:assumed-role/figgy-replica-writer/figgy-events-replicator`,
        `arn:aws:sts::${DR}:assumed-role/figgy-replica-writer/figgy-events-replicator`,
      ]);
      expect(emulator.callCounts()).to.include({ GetCallerIdentity: 1, AssumeRole: 1, PutParameter: 2 });
    });

    it("fails the target's writes, not the home account, when the role cannot be assumed", async () => {
      const places = new SsmReplicaPlaces({
        home: unusedHome,
        region: 'eu-west-1',
        targets: [
          { region: 'us-east-1', accountId: DR, roleArn: `arn:aws:iam::${DR}:role/nobody`, destinationPrefixes: ['/dr/'] },
        ],
        roles: roles(),
        sessionName: 'replication-syncer',
      });
      await places.home();

      const error = await rejection(
        places.parametersIn({ region: 'us-east-1', account: DR }).write({ name: '/dr/a', type: 'String', value: '1' }),
      );

      expect(error).to.have.property('name', 'AccessDenied');
      expect(emulator.snapshot({ region: 'us-east-1', account: DR })).to.deep.equal([]);
    });
  });
});

/** An HTTP proxy in front of `target` that records each request as it arrived. */
async function recordingProxy(target: string, wire: RecordedRequest[]): Promise<{ server: Server; url: string }> {
  const { hostname, port } = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      wire.push({ method: incoming.method ?? '', url: incoming.url ?? '', headers: incoming.headers, body });
      const forward = httpRequest(
        { hostname, port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/;

function authorizationOf(request: RecordedRequest): RegExpExecArray {
  const parsed = AUTHORIZATION.exec(String(request.headers.authorization));
  if (!parsed) throw new Error(`not a SigV4 Authorization header: ${String(request.headers.authorization)}`);
  return parsed;
}

function scopeOf(request: RecordedRequest) {
  const [, accessKeyId, , region, service] = authorizationOf(request);
  return { accessKeyId, region, service };
}

function signedHeadersOf(request: RecordedRequest): string[] {
  return authorizationOf(request)[5].split(';');
}

/**
 * Checks the request's signature as AWS does, from the bytes that arrived (written here from
 * the SigV4 specification, not with the SDK's signer, so the two cannot share a mistake).
 */
function verifiesWith(request: RecordedRequest, secretAccessKey: string): boolean {
  const [, , date, region, service, signedHeaders, signature] = authorizationOf(request);
  const amzDate = String(request.headers['x-amz-date']);
  const [path, query = ''] = request.url.split('?');
  const canonicalQuery = [...new URLSearchParams(query)]
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .sort()
    .join('&');
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${String(request.headers[name]).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [request.method, path, canonicalQuery, canonicalHeaders, signedHeaders, sha256Hex(request.body)].join(
    '\n',
  );
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = [date, region, service, 'aws4_request'].reduce<Buffer>(
    (previous, part) => hmac(previous, part),
    Buffer.from(`AWS4${secretAccessKey}`, 'utf8'),
  );
  return hmac(key, stringToSign).toString('hex') === signature;
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
