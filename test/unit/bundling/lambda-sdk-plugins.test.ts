/**
 * The esbuild plugins of the shipped build (scripts/lambda-sdk-plugins.ts): what they leave
 * out must not change what the SDK clients do. One small bundle of the SSM and DynamoDB
 * clients, built as the shipped bundles are, is compared with the clients as installed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as installedDynamoDb from '@aws-sdk/client-dynamodb';
import * as installedSsm from '@aws-sdk/client-ssm';
import { expect } from 'chai';
import { build } from 'esbuild';
import { BUNDLE_TARGET, LAMBDA_SDK_ALIASES, REQUIRE_SHIM, bundleHandler } from '../../../scripts/bundle-handlers.ts';
import {
  assertReadsVersionOnly,
  compactServiceErrors,
  lambdaSdkPlugins,
  readServiceErrors,
} from '../../../scripts/lambda-sdk-plugins.ts';
import { packageRoot } from '../../../stacks/function-bundles.ts';

type Module = Record<string, unknown>;
type ErrorClass = (new (options: Record<string, unknown>) => Error & Record<string, unknown>) & Record<string, unknown>;
type ClientClass = new (options: object) => { send(command: unknown): Promise<unknown>; destroy(): void };
type CommandClass = new (input: object) => unknown;

interface FakeResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** A request handler that answers every request with `response` and keeps the requests. */
function answering(response: FakeResponse, requests: { headers: Record<string, string> }[] = []) {
  return {
    handle: async (request: { headers: Record<string, string> }) => {
      requests.push(request);
      return {
        response: {
          statusCode: response.status,
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-1' },
          body: new TextEncoder().encode(JSON.stringify(response.body)),
        },
      };
    },
  };
}

const CLIENT_OPTIONS = {
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
  maxAttempts: 1,
};

/** What a caller can see of an error: every own property but the stack (of $metadata, the status). */
function observable(error: Error & Record<string, unknown>) {
  const { httpStatusCode } = (error.$metadata ?? {}) as { httpStatusCode?: number };
  const properties = Object.getOwnPropertyNames(error)
    .filter((key) => key !== 'stack')
    .sort()
    .map((key) => [key, key === '$metadata' ? { httpStatusCode } : error[key]]);
  return { properties, message: error.message, name: error.name };
}

function errorClassNames(client: string): string[] {
  const file = join(packageRoot(), 'node_modules', '@aws-sdk', client, 'dist-es', 'models', 'errors.js');
  return readServiceErrors(readFileSync(file, 'utf8'), file).classes.map(({ name }) => name);
}

describe("the shipped build's SDK plugins", function () {
  this.timeout(20_000);
  let folder: string;
  let bundled: { ssm: Module; dynamodb: Module };
  let text: string;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'figgy-sdk-plugins-'));
    const outfile = join(folder, 'clients.mjs');
    await build({
      stdin: {
        contents: "export * as ssm from '@aws-sdk/client-ssm'; export * as dynamodb from '@aws-sdk/client-dynamodb';",
        resolveDir: packageRoot(),
        loader: 'js',
      },
      outfile,
      absWorkingDir: packageRoot(),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: BUNDLE_TARGET,
      minify: true,
      mainFields: ['module', 'main'],
      alias: LAMBDA_SDK_ALIASES,
      banner: { js: REQUIRE_SHIM },
      plugins: lambdaSdkPlugins(),
      logLevel: 'silent',
    });
    text = readFileSync(outfile, 'utf8');
    bundled = (await import(pathToFileURL(outfile).href)) as typeof bundled;
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  describe('compact error classes', () => {
    for (const [client, key, installed] of [
      ['client-ssm', 'ssm', installedSsm],
      ['client-dynamodb', 'dynamodb', installedDynamoDb],
    ] as const) {
      it(`${client}: exports every class, each an instance of the service's base exception with the same properties`, () => {
        const names = errorClassNames(client);
        expect(names.length).to.be.greaterThan(key === 'ssm' ? 100 : 20);
        const serviceException = key === 'ssm' ? 'SSMServiceException' : 'DynamoDBServiceException';
        const Base = bundled[key][serviceException] as ErrorClass;
        for (const name of names) {
          const Bundled = bundled[key][name] as ErrorClass;
          const Installed = (installed as unknown as Module)[name] as ErrorClass;
          expect(Bundled, name).to.be.a('function');
          expect(Bundled.name).to.equal(name);
          expect(Bundled.shapeId).to.equal(Installed.shapeId);
          // Every member the model gives the class, set or not, as the deserializer calls it.
          const options = { message: 'm', $metadata: { httpStatusCode: 400 }, Message: 'M', Item: { id: { S: 'x' } } };
          const made = new Bundled(options);
          expect(made).to.be.instanceOf(Bundled).and.instanceOf(Base).and.instanceOf(Error);
          expect(observable(made), name).to.deep.equal(observable(new Installed(options)));
        }
      });
    }

    it('keeps a fresh $retryable object per error where the model marks the error retryable', () => {
      const Conflict = bundled.dynamodb.ReplicatedWriteConflictException as ErrorClass;
      const [first, second] = [new Conflict({}), new Conflict({})];
      expect(first.$retryable).to.deep.equal({});
      expect(first.$retryable).to.not.equal(second.$retryable);
    });

    it('refuses a class in a shape it does not know, naming the file and the class', () => {
      const file = join(packageRoot(), 'node_modules/@aws-sdk/client-ssm/dist-es/models/errors.js');
      const changed = readFileSync(file, 'utf8').replace(
        '        this.Message = opts.Message;\n    }\n}\nexport class InternalServerError',
        '        this.Message = opts.Message;\n        this.extra = 1;\n    }\n}\nexport class InternalServerError',
      );
      expect(() => compactServiceErrors(changed, 'errors.js')).to.throw(
        'errors.js: class AccessDeniedException is not in the shape',
      );
    });
  });

  describe('errors from the service, through the bundled deserializer', () => {
    const send = async (client: Module, Client: string, Command: string, input: object, response: FakeResponse) => {
      const instance = new (client[Client] as ClientClass)({ ...CLIENT_OPTIONS, requestHandler: answering(response) });
      try {
        await instance.send(new (client[Command] as CommandClass)(input));
      } catch (error) {
        return error as Error & Record<string, unknown>;
      } finally {
        instance.destroy();
      }
      throw new Error('expected the call to fail');
    };
    const both = async (key: 'ssm' | 'dynamodb', Client: string, Command: string, input: object, response: FakeResponse) => {
      const installed = (key === 'ssm' ? installedSsm : installedDynamoDb) as unknown as Module;
      return {
        bundledError: await send(bundled[key], Client, Command, input, response),
        installedError: await send(installed, Client, Command, input, response),
      };
    };

    it('SSM: a modelled error is its class, with name, $fault, status and message', async () => {
      const response = { status: 400, body: { __type: 'ParameterNotFound', message: 'no /x' } };
      const { bundledError, installedError } = await both('ssm', 'SSMClient', 'GetParameterCommand', { Name: '/x' }, response);
      expect(bundledError).to.be.instanceOf(bundled.ssm.ParameterNotFound as ErrorClass);
      expect(bundledError).to.be.instanceOf(bundled.ssm.SSMServiceException as ErrorClass);
      expect(bundledError).to.include({ name: 'ParameterNotFound', $fault: 'client', message: 'no /x' });
      expect(observable(bundledError)).to.deep.equal(observable(installedError));
    });

    it('SSM: an error the model does not name is the base exception with its name', async () => {
      const response = { status: 400, body: { __type: 'com.amazonaws.ssm#BrandNewException', message: 'new' } };
      const { bundledError, installedError } = await both('ssm', 'SSMClient', 'GetParameterCommand', { Name: '/x' }, response);
      expect(bundledError).to.be.instanceOf(bundled.ssm.SSMServiceException as ErrorClass);
      expect(bundledError).to.include({ name: 'BrandNewException', message: 'new' });
      expect(observable(bundledError)).to.deep.equal(observable(installedError));
    });

    it('DynamoDB: ConditionalCheckFailedException and TransactionCanceledException keep their classes and members', async () => {
      const namespace = 'com.amazonaws.dynamodb.v20120810#';
      const conditional = await both('dynamodb', 'DynamoDBClient', 'PutItemCommand', { TableName: 't', Item: { k: { S: 'v' } } }, {
        status: 400,
        body: { __type: `${namespace}ConditionalCheckFailedException`, message: 'failed', Item: { k: { S: 'old' } } },
      });
      expect(conditional.bundledError).to.be.instanceOf(bundled.dynamodb.ConditionalCheckFailedException as ErrorClass);
      expect(conditional.bundledError.Item).to.deep.equal({ k: { S: 'old' } });
      expect(observable(conditional.bundledError)).to.deep.equal(observable(conditional.installedError));

      const reasons = [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }];
      const canceled = await both('dynamodb', 'DynamoDBClient', 'TransactWriteItemsCommand', { TransactItems: [] }, {
        status: 400,
        body: { __type: `${namespace}TransactionCanceledException`, Message: 'canceled', CancellationReasons: reasons },
      });
      expect(canceled.bundledError).to.be.instanceOf(bundled.dynamodb.TransactionCanceledException as ErrorClass);
      expect(canceled.bundledError).to.include({ name: 'TransactionCanceledException', message: 'canceled' });
      expect(canceled.bundledError.CancellationReasons).to.deep.equal(reasons);
      expect(observable(canceled.bundledError)).to.deep.equal(observable(canceled.installedError));
    });
  });

  describe('package manifests', () => {
    it("keep only the client's version, which still reaches the User-Agent as the installed client sends it", async () => {
      const { version } = JSON.parse(
        readFileSync(join(packageRoot(), 'node_modules/@aws-sdk/client-ssm/package.json'), 'utf8'),
      ) as { version: string };
      const userAgent = async (client: Module) => {
        const requests: { headers: Record<string, string> }[] = [];
        const instance = new (client.SSMClient as ClientClass)({
          ...CLIENT_OPTIONS,
          requestHandler: answering({ status: 200, body: {} }, requests),
        });
        await instance.send(new (client.GetParameterCommand as CommandClass)({ Name: '/x' }));
        instance.destroy();
        expect(requests[0]?.headers.authorization).to.match(/^AWS4-HMAC-SHA256 /);
        return requests[0]?.headers['user-agent'];
      };
      const sent = await userAgent(bundled.ssm);
      expect(sent).to.include(`aws-sdk-js/${version} `).and.include(` api/ssm#${version}`);
      // The installed CommonJS build inlines a version of its own (one behind, in 3.1169.0).
      const versions = /\d+\.\d+\.\d+(?= |$)/g;
      expect(sent?.replace(versions, 'V')).to.equal((await userAgent(installedSsm as unknown as Module))?.replace(versions, 'V'));
      expect(text).to.not.include('AWS SDK for JavaScript Ssm Client');
    });

    it('refuse a client that reads more than the version from its manifest', () => {
      const source = 'import packageInfo from "../package.json";\nconst a = packageInfo.version;\nconst b = packageInfo.name;\n';
      expect(() => assertReadsVersionOnly(source, 'runtimeConfig.js')).to.throw('runtimeConfig.js reads more than "version"');
      expect(() => assertReadsVersionOnly(source.replace('packageInfo.name', 'packageInfo.version'), 'x')).to.not.throw();
    });
  });

  it('bundleHandler builds the shipped bundles with the plugins', function () {
    this.timeout(60_000);
    const bundle = bundleHandler('config-cache-manager', { directory: join(folder, 'handlers') });
    const code = readFileSync(bundle.file, 'utf8');
    expect(code).to.include('"com.amazonaws.ssm#"+').and.include('"com.amazonaws.dynamodb#"+');
    expect(code).to.not.include('AWS SDK for JavaScript Ssm Client');
    expect(code).to.include("the JavaScript SHA-256 is not bundled: Node.js's crypto has SHA-256 on Lambda");
  });
});
