/**
 * The KMS and STS clients a replication bundle loads on first use, from chunks of their own.
 * A chunk that fails to load once (a file the process could not open just then) must be
 * loaded again on the next call, as Node itself would: a failure kept for the life of the
 * process would fail every later key comparison or replica write in another account.
 */
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { buildSync } from 'esbuild';
import { LAMBDA_SDK_ALIASES, handlerBuildOptions } from '../../../../scripts/bundle-handlers.ts';
import { BUNDLE_FILE, packageRoot } from '../../../../stacks/function-bundles.ts';
import type { ReplicaStore } from '../../../../shared/replication/types.ts';
import type { kmsKeyArnsBeside as KmsKeyArnsBeside } from '../../../../shared/aws/kms-key-arns.ts';
import type { SsmReplicaPlaces as Places } from '../../../../shared/aws/replica-places.ts';
import type { createSsmClient as CreateSsmClient } from '../../../../shared/aws/ssm-parameter-store.ts';
import { rejectionOf } from '../../../support/rejection.ts';

type Bundled = { kmsKeyArnsBeside: typeof KmsKeyArnsBeside; SsmReplicaPlaces: typeof Places; createSsmClient: typeof CreateSsmClient };

const ENVIRONMENT = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL_SSM', 'AWS_ENDPOINT_URL_KMS', 'AWS_ENDPOINT_URL_STS'];

describe("a replication bundle's lazily loaded clients", function () {
  this.timeout(60_000);
  let folder: string;
  let bundled: Bundled;
  let server: Server;
  /** What reached the endpoint: KMS's X-Amz-Target, or STS's query. */
  const calls: string[] = [];
  const saved = Object.fromEntries(ENVIRONMENT.map((name) => [name, process.env[name]]));

  /** Runs `call` with the chunk holding `service` missing, then with it back. */
  const withChunkMissing = async (service: string, call: () => Promise<unknown>) => {
    const chunks = join(folder, 'out', 'chunks');
    const chunk = readdirSync(chunks).find((file) => readFileSync(join(chunks, file), 'utf8').includes(service));
    expect(chunk, `a chunk holding ${service}`).to.be.a('string');
    renameSync(join(chunks, chunk!), join(chunks, `${chunk}.away`));
    try {
      expect(await rejectionOf(call()), 'while the chunk is missing').to.have.property('code', 'ERR_MODULE_NOT_FOUND');
    } finally {
      renameSync(join(chunks, `${chunk}.away`), join(chunks, chunk!));
    }
  };

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'figgy-lazy-clients-'));
    buildSync({
      ...handlerBuildOptions('parameter-stream-replicator', join(folder, 'out')),
      entryPoints: undefined,
      stdin: {
        contents: [
          "export { kmsKeyArnsBeside } from './shared/aws/kms-key-arns.ts';",
          "export { SsmReplicaPlaces } from './shared/aws/replica-places.ts';",
          "export { createSsmClient } from './shared/aws/ssm-parameter-store.ts';",
        ].join('\n'),
        resolveDir: packageRoot(),
        loader: 'ts',
      },
      alias: LAMBDA_SDK_ALIASES,
    });
    bundled = (await import(pathToFileURL(join(folder, 'out', BUNDLE_FILE)).href)) as Bundled;
    // Answers every call with a refusal: reaching it at all is what the tests look for.
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (part: Buffer) => (body += part.toString()));
      request.on('end', () => {
        calls.push(String(request.headers['x-amz-target'] ?? body));
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'AccessDeniedException', message: 'not here' }));
      });
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'fn', AWS_SECRET_ACCESS_KEY: 'fn-secret', AWS_ENDPOINT_URL_SSM: url, AWS_ENDPOINT_URL_KMS: url, AWS_ENDPOINT_URL_STS: url });
    delete process.env.AWS_SESSION_TOKEN;
  });
  beforeEach(() => {
    calls.length = 0;
  });
  after(async () => {
    for (const name of ENVIRONMENT) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await new Promise((closed) => server.close(closed));
    rmSync(folder, { recursive: true, force: true });
  });

  it('loads the KMS client again after its chunk failed to load once', async () => {
    const keys = bundled.kmsKeyArnsBeside(bundled.createSsmClient({ region: 'eu-central-1' }));
    await withChunkMissing('TrentService', () => keys.arnOf('alias/dr'));
    expect(await rejectionOf(keys.arnOf('alias/dr'))).to.have.property('name', 'AccessDeniedException');
    expect(calls).to.deep.equal(['TrentService.DescribeKey']);
  });

  it('loads the STS client again after its chunk failed to load once', async () => {
    const places = new bundled.SsmReplicaPlaces({
      home: {} as ReplicaStore,
      region: 'eu-west-1',
      account: '123456789012',
      targets: [{ region: 'us-east-1', accountId: '210987654321', roleArn: 'arn:aws:iam::210987654321:role/figgy-replica-writer', destinationPrefixes: ['/dr'] }],
      sessionName: 'replication-syncer',
    });
    const dr = places.parametersIn({ region: 'us-east-1', account: '210987654321' });
    await withChunkMissing('AWSSecurityTokenServiceV20110615', () => dr.readDetails(['/dr/x']));
    await rejectionOf(dr.readDetails(['/dr/x']));
    expect(calls.filter((call) => call.includes('Action=AssumeRole'))).to.have.length.above(0);
  });
});
