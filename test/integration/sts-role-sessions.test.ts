/**
 * A replica target's role, assumed by SsmReplicaPlaces through the AWS SDK's STS client against
 * the sandbox's STS, which the SSM emulator serves on its endpoint: the client finds it through
 * `AWS_ENDPOINT_URL_STS` as a function's does, calls it with the function's own credentials in
 * the home region, and the role's credentials write in the target's account until five
 * minutes before they expire.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { expect } from 'chai';
import sinon from 'sinon';
import { SsmReplicaPlaces } from '../../shared/aws/replica-places.ts';
import type { ReplicaTarget } from '../../shared/replication/replica-targets.ts';
import type { ReplicaStore } from '../../shared/replication/types.ts';
import { startSsmEmulator, type CloudTrailDetail, type SsmEmulator } from '../../local/ssm/index.ts';
import { rejectionOf } from '../support/rejection.ts';

const HOME = '123456789012';
const DR = '210987654321';
const ROLE = `arn:aws:iam::${DR}:role/figgy-replica-writer`;
const ALICE = { accessKeyId: 'alice', secretAccessKey: 'alice-secret' };
const DR_PLACE = { region: 'us-east-1', account: DR };
const MINUTE = 60_000;

/** One request as it arrived on the wire. */
interface RecordedRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

// What a function's SDK clients read from its environment, as Lambda (or the sandbox) sets it.
const ENVIRONMENT = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL_SSM', 'AWS_ENDPOINT_URL_STS'];

describe("A replica target's role through the SDK, against the sandbox STS", () => {
  let emulator: SsmEmulator;
  let proxy: Server;
  let proxyUrl: string;
  const saved = Object.fromEntries(ENVIRONMENT.map((name) => [name, process.env[name]]));
  const wire: RecordedRequest[] = [];
  const records: CloudTrailDetail[] = [];
  const clients: SSMClient[] = [];
  const unusedHome = {} as ReplicaStore;

  const places = (roleArn = ROLE, sessionName = 'replication-syncer') => {
    const target: ReplicaTarget = { region: DR_PLACE.region, accountId: DR, roleArn, destinationPrefixes: ['/dr'] };
    return new SsmReplicaPlaces({ home: unusedHome, region: 'eu-west-1', account: HOME, targets: [target], sessionName });
  };
  const drAdminRead = async (name: string) => {
    const client = new SSMClient({ endpoint: emulator.url, region: DR_PLACE.region, credentials: { accessKeyId: 'dr-admin', secretAccessKey: 'x' } });
    clients.push(client);
    return (await client.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  };

  before(async () => {
    // The emulator's clock is the process's, so a test that moves Date moves STS's too.
    emulator = await startSsmEmulator({ region: 'eu-west-1', account: HOME, accessKeys: { 'dr-admin': DR }, roles: [ROLE] });
    emulator.onWrite((detail) => {
      records.push(detail);
    });
    ({ server: proxy, url: proxyUrl } = await recordingProxy(emulator.url, wire));
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: ALICE.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ALICE.secretAccessKey,
      AWS_ENDPOINT_URL_SSM: emulator.url,
      AWS_ENDPOINT_URL_STS: emulator.url,
    });
    delete process.env.AWS_SESSION_TOKEN;
  });
  beforeEach(() => {
    emulator.reset();
    process.env.AWS_ENDPOINT_URL_STS = emulator.url;
    records.length = 0;
    wire.length = 0;
  });
  afterEach(() => {
    sinon.restore();
  });
  after(async () => {
    for (const name of ENVIRONMENT) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    for (const client of clients) client.destroy();
    await new Promise((resolve) => proxy.close(resolve));
    await emulator.stop();
  });

  it("writes in the target's account as the role, assuming it once for many writes", async () => {
    const replicas = places(ROLE, 'figgy events/replicator');

    expect(await replicas.home()).to.deep.equal({ region: 'eu-west-1', account: HOME });
    expect(replicas.parametersIn({ region: 'eu-west-1', account: HOME })).to.equal(unusedHome);
    const dr = replicas.parametersIn(DR_PLACE);
    expect(replicas.parametersIn(DR_PLACE)).to.equal(dr);
    await dr.write({ name: '/dr/a', type: 'String', value: '1' });
    await dr.write({ name: '/dr/b', type: 'String', value: '2' });

    expect(await drAdminRead('/dr/b')).to.equal('2');
    expect(emulator.snapshot({ region: DR_PLACE.region })).to.deep.equal([]);
    // The session is named after the function, as STS allows: the target's trail says who wrote.
    expect(records).to.have.length(2);
    for (const record of records) {
      expect(record.userIdentity).to.deep.include({
        arn: `arn:aws:sts::${DR}:assumed-role/figgy-replica-writer/figgy-events-replicator`,
        accountId: DR,
      });
    }
    // The home account comes from the construct: STS is asked only for the role.
    expect(emulator.callCounts()).to.deep.equal({ AssumeRole: 1, PutParameter: 2, GetParameter: 1 });
  });

  it("calls the home region's STS with the function's own credentials, and SSM with the role's", async () => {
    process.env.AWS_ENDPOINT_URL_STS = proxyUrl;

    await places().parametersIn(DR_PLACE).write({ name: '/dr/a', type: 'String', value: '1' });

    expect(wire).to.have.length(1);
    const [assumeRole] = wire;
    expect(scopeOf(assumeRole)).to.deep.equal({ accessKeyId: ALICE.accessKeyId, region: 'eu-west-1', service: 'sts' });
    expect(assumeRole.headers).not.to.have.property('x-amz-security-token');
    expect(Object.fromEntries(new URLSearchParams(assumeRole.body))).to.deep.include({
      Action: 'AssumeRole',
      RoleArn: ROLE,
      RoleSessionName: 'replication-syncer',
    });
    expect(records[0].userIdentity).to.deep.include({ accountId: DR });
    expect(records[0].userIdentity.accessKeyId).to.match(/^ASIA[A-Z2-7]{16}$/);
  });

  it("fails the target's writes with STS's AccessDenied when the role does not let the function assume it", async () => {
    const untrusting = `arn:aws:iam::${DR}:role/nobody`;

    const error = await rejectionOf(places(untrusting).parametersIn(DR_PLACE).write({ name: '/dr/a', type: 'String', value: '1' }));

    expect(error).to.include({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::${HOME}:assumed-role/figgy-sandbox/alice is not authorized to perform: sts:AssumeRole on resource: ${untrusting}`,
    });
    // Not a call worth repeating: neither the STS client nor the SSM client tries it again.
    expect(emulator.callCounts()).to.deep.equal({ AssumeRole: 1 });
    expect(emulator.snapshot(DR_PLACE)).to.deep.equal([]);
  });

  it('assumes the role again five minutes before its credentials expire, and not sooner', async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const started = Date.now();
    const dr = places().parametersIn(DR_PLACE);
    const writeAt = async (minutes: number, value: string) => {
      clock.setSystemTime(started + minutes * MINUTE);
      await dr.write({ name: '/dr/a', type: 'String', value });
      return emulator.callCounts().AssumeRole;
    };

    // STS issues them for an hour (AssumeRole's default), from its own clock.
    expect(await writeAt(0, 'first')).to.equal(1);
    expect(await writeAt(54, 'six minutes left')).to.equal(1);
    expect(await writeAt(56, 'four minutes left')).to.equal(2);
    expect(await writeAt(100, 'renewed credentials, four minutes left again')).to.equal(2);
    expect(await writeAt(116, 'renewed again')).to.equal(3);

    expect(new Set(records.map((record) => record.userIdentity.accessKeyId)).size).to.equal(3);
    expect(emulator.snapshot(DR_PLACE).map((parameter) => parameter.value)).to.deep.equal(['renewed again']);
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
      wire.push({ url: incoming.url ?? '', headers: incoming.headers, body: body.toString('utf8') });
      const forward = httpRequest({ hostname, port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, /;

/** Who signed a request, and for which region and service. */
function scopeOf(request: RecordedRequest) {
  const parsed = AUTHORIZATION.exec(String(request.headers.authorization));
  if (!parsed) throw new Error(`not a SigV4 Authorization header: ${String(request.headers.authorization)}`);
  const [, accessKeyId, region, service] = parsed;
  return { accessKeyId, region, service };
}
