/**
 * The one part of the SDK the shipped bundles replace: `@aws-sdk/credential-provider-node`,
 * aliased to handlers/lambda-sdk/environment-credentials.ts. A client built as the bundles
 * are, with no credentials of its own, must sign with the environment's, as on Lambda, and
 * say what is missing when they are not there.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { buildSync } from 'esbuild';
import { LAMBDA_SDK_ALIASES, bundleHandler, handlerBuildOptions } from '../../../../scripts/bundle-handlers.ts';
import { BUNDLE_FILE, packageRoot } from '../../../../stacks/function-bundles.ts';

type SsmModule = {
  SSMClient: new (options: object) => { send(command: unknown): Promise<unknown>; destroy(): void };
  GetParameterCommand: new (input: object) => unknown;
};

const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

describe("the bundles' environment credentials", function () {
  this.timeout(60_000);
  let folder: string;
  let ssm: SsmModule;
  const saved = Object.fromEntries(CREDENTIAL_VARIABLES.map((name) => [name, process.env[name]]));

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'figgy-env-credentials-'));
    const outdir = join(folder, 'ssm');
    // The shipped build's own options and alias, with the SDK client as the entry point.
    buildSync({
      ...handlerBuildOptions('parameter-store-auditor', outdir),
      entryPoints: undefined,
      stdin: { contents: "export * from '@aws-sdk/client-ssm';", resolveDir: packageRoot(), loader: 'js' },
      alias: LAMBDA_SDK_ALIASES,
    });
    ssm = (await import(pathToFileURL(join(outdir, BUNDLE_FILE)).href)) as SsmModule;
  });
  afterEach(() => {
    for (const name of CREDENTIAL_VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  /** The `authorization` header of one GetParameter, or the error the client threw first. */
  async function authorization(): Promise<string> {
    const requests: { headers: Record<string, string> }[] = [];
    const client = new ssm.SSMClient({
      region: 'eu-west-1',
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: { headers: Record<string, string> }) => {
          requests.push(request);
          return {
            response: {
              statusCode: 200,
              headers: { 'content-type': 'application/x-amz-json-1.1' },
              body: new TextEncoder().encode('{}'),
            },
          };
        },
      },
    });
    try {
      await client.send(new ssm.GetParameterCommand({ Name: '/x' }));
    } finally {
      client.destroy();
    }
    return requests[0]?.headers.authorization ?? '';
  }

  it('signs with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and sends AWS_SESSION_TOKEN', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIAFROMENV', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
    expect(await authorization()).to.match(/^AWS4-HMAC-SHA256 Credential=ASIAFROMENV\//);
  });

  it('without them, fails naming the variables instead of trying another source', async () => {
    for (const name of CREDENTIAL_VARIABLES) delete process.env[name];
    let failure: unknown;
    await authorization().catch((error: unknown) => (failure = error));
    expect(failure).to.be.instanceOf(Error).and.include({ name: 'CredentialsProviderError' });
    expect((failure as Error).message).to.include('AWS_ACCESS_KEY_ID').and.include('AWS_SECRET_ACCESS_KEY');
  });

  it('bundleHandler leaves out the rest of the default chain (SSO, process, web identity, container, instance metadata)', () => {
    const bundle = bundleHandler('config-cache-manager', { directory: join(folder, 'handlers') });
    const code = bundle.files.map((file) => readFileSync(join(bundle.directory, file), 'utf8')).join('\n');
    expect(code).to.include('this bundle reads only AWS_ACCESS_KEY_ID');
    // One string of each other link, all present in a bundle built without the alias.
    for (const link of ['sso_start_url', 'credential_process', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', '/latest/meta-data/iam/security-credentials']) {
      expect(code, link).to.not.include(link);
    }
  });
});
