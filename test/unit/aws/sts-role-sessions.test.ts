/**
 * StsRoleSessions against STS answers as AWS sends them (test/fixtures/sts/): what it sends,
 * what it reads from STS's XML, and when it tries again.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { HttpRequest, HttpResponse } from '@smithy/types';
import { expect } from 'chai';
import { StsError, StsRoleSessions, stsEndpoint, type StsHttpHandler } from '../../../shared/aws/sts-role-sessions.ts';

const FIXTURES = new URL('../../fixtures/sts/', import.meta.url);
const ROLE = 'arn:aws:iam::210987654321:role/figgy-replica-writer';
const OWN_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'own-session-token' };

const xml = (name: string): string => readFileSync(new URL(`${name}.xml`, FIXTURES), 'utf8');

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** STS as a script: each request gets the next answer, or the next error is thrown as by a lost connection. */
class ScriptedSts implements StsHttpHandler {
  readonly requests: HttpRequest[] = [];

  constructor(private readonly answers: (Answer | Error)[]) {}

  handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    this.requests.push(request);
    const next = this.answers.shift();
    if (next === undefined) return Promise.reject(new Error('the script has no more answers'));
    if (next instanceof Error) return Promise.reject(next);
    const response = {
      statusCode: next.status,
      headers: { 'x-amzn-requestid': 'header-request-id', 'content-type': 'text/xml' },
      body: Readable.from([Buffer.from(next.body, 'utf8')]),
    };
    return Promise.resolve({ response });
  }
}

describe('StsRoleSessions', () => {
  let sleeps: number[];

  const sessions = (sts: ScriptedSts, env: NodeJS.ProcessEnv = {}) =>
    new StsRoleSessions({
      region: 'eu-west-1',
      env,
      credentials: () => Promise.resolve(OWN_CREDENTIALS),
      httpHandler: sts,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
    });
  const rejection = (promise: Promise<unknown>): Promise<Error> =>
    promise.then(
      () => expect.fail('the call succeeded'),
      (error: Error) => error,
    );
  const form = (request: HttpRequest) => Object.fromEntries(new URLSearchParams(String(request.body)));

  beforeEach(() => {
    sleeps = [];
  });

  describe('AssumeRole', () => {
    it('reads the credentials and their expiration from the XML STS answers', async () => {
      const sts = new ScriptedSts([{ status: 200, body: xml('assume-role') }]);

      const credentials = await sessions(sts).assumeRole(ROLE, 'replication-syncer');

      expect(credentials).to.deep.equal({
        accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY',
        sessionToken: xml('assume-role').match(/<SessionToken>(.*)<\/SessionToken>/)?.[1],
        expiration: new Date('2026-11-26T13:00:00Z'),
      });
    });

    it('posts the query form, signed with SigV4 for sts in its region with its own credentials', async () => {
      const sts = new ScriptedSts([{ status: 200, body: xml('assume-role') }]);

      await sessions(sts).assumeRole(ROLE, 'replication-syncer');

      const [request] = sts.requests;
      expect(request).to.include({ method: 'POST', protocol: 'https:', hostname: 'sts.eu-west-1.amazonaws.com', path: '/' });
      expect(form(request)).to.deep.equal({
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: ROLE,
        RoleSessionName: 'replication-syncer',
        DurationSeconds: '3600',
      });
      expect(request.headers).to.include({
        host: 'sts.eu-west-1.amazonaws.com',
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'content-length': String(Buffer.byteLength(String(request.body))),
        'x-amz-security-token': 'own-session-token',
      });
      expect(request.headers.authorization).to.match(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request, SignedHeaders=[^,]*\bhost\b[^,]*, Signature=[0-9a-f]{64}$/,
      );
      expect(request.headers.authorization)
        .to.include('content-type')
        .and.include('x-amz-date')
        .and.include('x-amz-security-token');
    });

    it('refuses an answer without credentials, naming the role', async () => {
      const body = xml('assume-role').replace(/<AccessKeyId>.*<\/AccessKeyId>/, '');
      const error = await rejection(sessions(new ScriptedSts([{ status: 200, body }])).assumeRole(ROLE, 'replication-syncer'));

      expect(error.message).to.equal(`STS AssumeRole of ${ROLE} returned no credentials`);
    });

    it('refuses an Expiration that is not a time', async () => {
      const body = xml('assume-role').replace('2026-11-26T13:00:00Z', 'soon');
      const error = await rejection(sessions(new ScriptedSts([{ status: 200, body }])).assumeRole(ROLE, 'replication-syncer'));

      expect(error.message).to.include('an Expiration that is not a time: "soon"');
    });
  });

  describe('GetCallerIdentity', () => {
    it('reads the account', async () => {
      const sts = new ScriptedSts([{ status: 200, body: xml('get-caller-identity') }]);

      expect(await sessions(sts).callerAccount()).to.equal('123456789012');
      expect(form(sts.requests[0])).to.deep.equal({ Action: 'GetCallerIdentity', Version: '2011-06-15' });
    });

    it('refuses a success without the result element', async () => {
      const sts = new ScriptedSts([{ status: 200, body: '<GetCallerIdentityResponse/>' }]);

      const error = await rejection(sessions(sts).callerAccount());

      expect(error.message).to.equal('STS GetCallerIdentity answered HTTP 200 without <GetCallerIdentityResult>');
      expect(sts.requests).to.have.length(1);
    });
  });

  describe('errors', () => {
    it("throws AccessDenied with STS's code, message, status and request id, at once", async () => {
      const sts = new ScriptedSts([{ status: 403, body: xml('access-denied') }]);

      const error = await rejection(sessions(sts).assumeRole(ROLE, 'replication-syncer'));

      expect(error).to.be.instanceOf(StsError);
      expect(error).to.include({
        name: 'AccessDenied',
        code: 'AccessDenied',
        statusCode: 403,
        retryable: false,
        requestId: '4a3a9c1e-2f4b-4b8e-9d0a-6c1d2e3f4a5b',
        message: `User: arn:aws:sts::123456789012:assumed-role/figgy-events-replication-syncer/figgy-events-replication-syncer is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
      });
      expect(sts.requests).to.have.length(1);
      expect(sleeps).to.deep.equal([]);
    });

    it('throws a ValidationError at once', async () => {
      const sts = new ScriptedSts([{ status: 400, body: xml('validation-error') }]);

      const error = await rejection(sessions(sts).assumeRole(ROLE, 'x'));

      expect(error).to.include({
        name: 'ValidationError',
        message:
          "1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
      });
      expect(sts.requests).to.have.length(1);
    });

    it('decodes XML entities in the message', async () => {
      const body =
        '<ErrorResponse><Error><Code>ValidationError</Code>' +
        '<Message>Value &#39;a&lt;b&#x3E;&apos; &amp;lt; &quot;c&quot;</Message></Error></ErrorResponse>';

      const error = await rejection(sessions(new ScriptedSts([{ status: 400, body }])).callerAccount());

      expect(error.message).to.equal(`Value 'a<b>' &lt; "c"`);
    });
  });

  describe('retries', () => {
    it('tries a throttled call again after a random wait of up to 1 s, then 2 s, as the SDK does', async () => {
      const sts = new ScriptedSts([
        { status: 400, body: xml('throttling') },
        { status: 400, body: xml('throttling') },
        { status: 200, body: xml('assume-role') },
      ]);

      const credentials = await sessions(sts).assumeRole(ROLE, 'replication-syncer');

      expect(credentials.accessKeyId).to.equal('ASIAIOSFODNN7EXAMPLE');
      expect(sts.requests).to.have.length(3);
      // Full jitter (random is 0.5 here) of 1 s, then of 2 s.
      expect(sleeps).to.deep.equal([500, 1000]);
    });

    it('gives up after three attempts with the throttling error, marked retryable', async () => {
      const sts = new ScriptedSts([0, 1, 2].map(() => ({ status: 400, body: xml('throttling') })));

      const error = await rejection(sessions(sts).assumeRole(ROLE, 'replication-syncer'));

      expect(error).to.include({ name: 'Throttling', message: 'Rate exceeded', statusCode: 400, retryable: true });
      expect(sts.requests).to.have.length(3);
      expect(sleeps).to.deep.equal([500, 1000]);
    });

    it('tries again on a server fault, even one without XML, after up to 50 ms, then 100 ms', async () => {
      const sts = new ScriptedSts([
        { status: 503, body: '<html>Service Unavailable</html>' },
        {
          status: 500,
          body: '<ErrorResponse><Error><Code>InternalFailure</Code><Message>oops</Message></Error></ErrorResponse>',
        },
        { status: 200, body: xml('get-caller-identity') },
      ]);

      expect(await sessions(sts).callerAccount()).to.equal('123456789012');
      expect(sleeps).to.deep.equal([25, 50]);
    });

    it('names the status of a final answer without an error code', async () => {
      const sts = new ScriptedSts([0, 1, 2].map(() => ({ status: 502, body: 'Bad Gateway' })));

      const error = await rejection(sessions(sts).callerAccount());

      expect(error).to.include({
        name: 'UnknownError',
        statusCode: 502,
        requestId: 'header-request-id',
        message: 'STS answered HTTP 502 without an error code: Bad Gateway',
      });
    });

    it('tries again when STS cannot be reached, then throws what the connection said', async () => {
      const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      const sts = new ScriptedSts([reset, reset, reset]);

      const error = await rejection(sessions(sts).callerAccount());

      expect(error).to.equal(reset);
      expect(sts.requests).to.have.length(3);
    });

    it('does not retry when its own credentials are missing', async () => {
      const sts = new ScriptedSts([]);
      const roles = new StsRoleSessions({
        region: 'eu-west-1',
        env: {},
        credentials: () => Promise.reject(new Error('no AWS credentials')),
        httpHandler: sts,
      });

      expect((await rejection(roles.callerAccount())).message).to.equal('no AWS credentials');
      expect(sts.requests).to.deep.equal([]);
    });
  });

  describe('endpoint', () => {
    it('is the regional endpoint of the partition', () => {
      expect(stsEndpoint('eu-west-1', {}).href).to.equal('https://sts.eu-west-1.amazonaws.com/');
      expect(stsEndpoint('cn-north-1', {}).href).to.equal('https://sts.cn-north-1.amazonaws.com.cn/');
      expect(stsEndpoint('us-gov-west-1', {}).href).to.equal('https://sts.us-gov-west-1.amazonaws.com/');
    });

    it('is AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, unless configured endpoints are ignored', () => {
      const both = { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:4583', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' };

      expect(stsEndpoint('eu-west-1', both).href).to.equal('http://127.0.0.1:4583/');
      expect(stsEndpoint('eu-west-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).href).to.equal('http://127.0.0.1:4566/');
      expect(stsEndpoint('eu-west-1', { ...both, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }).href).to.equal(
        'https://sts.eu-west-1.amazonaws.com/',
      );
    });

    it('sends to the configured endpoint, signing for the region', async () => {
      const sts = new ScriptedSts([{ status: 200, body: xml('get-caller-identity') }]);

      await sessions(sts, { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:4583' }).callerAccount();

      expect(sts.requests[0]).to.include({ protocol: 'http:', hostname: '127.0.0.1', port: 4583, path: '/' });
      expect(sts.requests[0].headers.host).to.equal('127.0.0.1:4583');
      expect(sts.requests[0].headers.authorization).to.include('/eu-west-1/sts/aws4_request');
    });

    it('says what to set when there is no region and no endpoint', async () => {
      const roles = new StsRoleSessions({ region: '', env: {}, credentials: () => Promise.resolve(OWN_CREDENTIALS) });

      expect((await rejection(roles.callerAccount())).message).to.equal(
        'no region for STS: set AWS_REGION (Lambda sets it), or AWS_ENDPOINT_URL_STS',
      );
    });
  });
});
