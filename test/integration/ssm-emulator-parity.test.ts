import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  InvalidFilterKey,
  InvalidFilterOption,
  InvalidFilterValue,
  LabelParameterVersionCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  ParameterVersionNotFound,
  PutParameterCommand,
  SSMClient,
  ValidationException,
  type DescribeParametersCommandInput,
  type PutParameterCommandInput,
} from '@aws-sdk/client-ssm';
import { expect } from 'chai';
import { startSsmEmulator, type SsmEmulator } from '../../local/ssm/index.ts';
import { rejectionOf } from '../support/rejection.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

/** The texts and shapes SSM answers with, as a client sees them through the real SDK. */
describe('ssm emulator: answers as SSM words them', () => {
  let emulator: SsmEmulator;
  let ssm: SSMClient;

  const put = (name: string, value = 'v', extra: Partial<PutParameterCommandInput> = {}) =>
    ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', ...extra }));
  const describeFailure = (input: DescribeParametersCommandInput) => rejectionOf(ssm.send(new DescribeParametersCommand(input)));

  before(async () => {
    emulator = await startSsmEmulator({ region: REGION });
    ssm = new SSMClient({
      endpoint: emulator.url,
      region: REGION,
      credentials: { accessKeyId: 'alice', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
  });

  afterEach(() => emulator.reset());

  after(async () => {
    ssm.destroy();
    await emulator.stop();
  });

  describe('PutParameter', () => {
    it('refuses to overwrite without Overwrite in words that name no parameter', async () => {
      await put('/app/a');
      const error = await rejectionOf(put('/app/a'));
      expect(error).to.be.instanceOf(ParameterAlreadyExists);
      expect(error.message).to.equal(
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    });

    it('words type and data type refusals as SSM does', async () => {
      const untyped = await rejectionOf(ssm.send(new PutParameterCommand({ Name: '/app/a', Value: 'v' })));
      const badType = await rejectionOf(put('/app/a', 'v', { Type: 'str' as never }));
      const badDataType = await rejectionOf(put('/app/a', 'v', { DataType: 'Text' }));

      expect(untyped.message).to.equal('A parameter type is required when you create a parameter.');
      expect(badType.message).to.equal(
        "1 validation error detected: Value 'str' at 'type' failed to satisfy constraint: " +
          'Member must satisfy enum value set: [SecureString, StringList, String]',
      );
      expect(badDataType.message).to.equal('The following data type is not supported: Text (Data type names are all lowercase.)');
    });

    it('leaves an empty value out of its validation message and ends it without a period, as AWS does', async () => {
      const error = await rejectionOf(put('/app/a', ''));
      expect(error).to.be.instanceOf(ValidationException);
      expect(error.message).to.equal(
        "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    });

    it('refuses reserved names: aws or ssm at the root, ssm paths, and any path under /aws as AccessDenied', async () => {
      const prefixed = 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).';
      const requirements =
        'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of ' +
        'sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';
      for (const name of ['ssm_test', 'AWS_TEST', '/aws-x']) expect((await rejectionOf(put(name))).message, name).to.equal(prefixed);
      for (const name of ['/ssm_test/path', '/SSM/PATH', 'app/db', '/app//db', '/app/db!']) {
        const error = await rejectionOf(put(name));
        expect(error, name).to.be.instanceOf(ValidationException);
        expect(error.message, name).to.equal(requirements);
      }
      const reserved = await rejectionOf(put('/aws_test/path/to/var'));
      expect(reserved).to.have.property('name', 'AccessDeniedException');
      expect(reserved.message).to.equal('No access to reserved parameter name: /aws_test/path/to/var.');
    });
  });

  describe('reads by version and label', () => {
    it('answers ParameterVersionNotFound for a version or label the parameter lacks, ParameterNotFound otherwise', async () => {
      await put('test-2');

      const version = await rejectionOf(ssm.send(new GetParameterCommand({ Name: 'test-2:2' })));
      const label = await rejectionOf(ssm.send(new GetParameterCommand({ Name: 'test-2:prod' })));
      const notASelector = await rejectionOf(ssm.send(new GetParameterCommand({ Name: 'test-2:2:3' })));
      const unknown = await rejectionOf(ssm.send(new GetParameterCommand({ Name: 'test-3:2' })));

      expect(version).to.be.instanceOf(ParameterVersionNotFound);
      expect(version.message).to.equal('Systems Manager could not find version 2 of test-2. Verify the version and try again.');
      expect(label).to.be.instanceOf(ParameterVersionNotFound);
      expect(notASelector).to.be.instanceOf(ParameterNotFound);
      expect(notASelector.message).to.equal('Parameter test-2:2:3 not found.');
      expect(unknown).to.be.instanceOf(ParameterNotFound);
      expect(unknown.message).to.equal('Parameter test-3:2 not found.');
    });

    it('refuses a label over 100 characters by the model, and answers others SSM will not attach in InvalidLabels', async () => {
      await put('/app/a');
      const long = 'a'.repeat(101);

      const error = await rejectionOf(ssm.send(new LabelParameterVersionCommand({ Name: '/app/a', Labels: [long] })));
      const result = await ssm.send(new LabelParameterVersionCommand({ Name: '/app/a', Labels: ['awsabc', '9abc', 'abc/1'] }));

      expect(error).to.be.instanceOf(ValidationException);
      expect(error.message).to.equal(
        `1 validation error detected: Value '[${long}]' at 'labels' failed to satisfy constraint: Member must satisfy ` +
          'constraint: [Member must have length less than or equal to 100, Member must have length greater than or equal to 1]',
      );
      expect(result.InvalidLabels).to.deep.equal(['awsabc', '9abc', 'abc/1']);
    });
  });

  describe('paging', () => {
    it('pages GetParametersByPath by MaxResults; a full page carries a token, and only a missing one ends the listing', async () => {
      for (let index = 0; index < 8; index += 1) await put(`/app/p${index}`);
      const pages: { names: string[]; token: string | undefined }[] = [];
      let token: string | undefined;
      do {
        const page = await ssm.send(new GetParametersByPathCommand({ Path: '/app', MaxResults: 4, NextToken: token }));
        token = page.NextToken;
        pages.push({ names: (page.Parameters ?? []).map((parameter) => parameter.Name ?? ''), token });
      } while (token !== undefined);

      expect(pages.map((page) => page.names.length)).to.deep.equal([4, 4, 0]);
      expect(pages.flatMap((page) => page.names)).to.deep.equal(Array.from({ length: 8 }, (_, index) => `/app/p${index}`));
      // Tokens are opaque strings, as AWS's are; moto's are offsets ("4", "8").
      expect(pages[0]?.token).to.be.a('string').and.not.equal('4');
    });

    it('refuses MaxResults above 10 in AWS words, quoting the value and without a period', async () => {
      const error = await rejectionOf(ssm.send(new GetParametersByPathCommand({ Path: '/', MaxResults: 23 })));
      expect(error.message).to.equal(
        "1 validation error detected: Value '23' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10",
      );
    });

    it('gives a filtered DescribeParameters page its token when it is full', async () => {
      for (let index = 0; index < 12; index += 1) {
        await put(`/p/${index}`, 'v', index % 4 === 0 ? { Type: 'SecureString' } : {});
      }
      const first = await ssm.send(
        new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Type', Values: ['SecureString'] }], MaxResults: 3 }),
      );
      const second = await ssm.send(
        new DescribeParametersCommand({
          ParameterFilters: [{ Key: 'Type', Values: ['SecureString'] }],
          MaxResults: 3,
          NextToken: first.NextToken,
        }),
      );
      expect(first.Parameters).to.have.length(3);
      expect(first.NextToken).to.be.a('string');
      expect(second).to.deep.include({ Parameters: [] });
      expect(second.NextToken).to.equal(undefined);
    });
  });

  describe('filter validation', () => {
    it('checks the model first, then each filter in order: key, duplicate, option, values', async () => {
      const model = await describeFailure({ ParameterFilters: [{ Key: 'Name', Option: 'over 10 chars' }, { Key: 'key' }] });
      const label = await describeFailure({ ParameterFilters: [{ Key: 'Label', Values: ['x'] }] });
      const byPathName = await rejectionOf(
        ssm.send(new GetParametersByPathCommand({ Path: '/baz', ParameterFilters: [{ Key: 'Name', Values: ['x'] }] })),
      );
      const twice = await describeFailure({ ParameterFilters: [{ Key: 'Name', Values: ['a'] }, { Key: 'Name', Values: ['b'] }] });
      const pathOption = await describeFailure({ ParameterFilters: [{ Key: 'Path', Option: 'Equals', Values: ['/a'] }] });
      const nameOption = await describeFailure({ ParameterFilters: [{ Key: 'Name', Option: 'option', Values: ['a'] }] });
      const tier = await describeFailure({ ParameterFilters: [{ Key: 'Tier', Values: ['test'] }] });
      const type = await describeFailure({ ParameterFilters: [{ Key: 'Type', Values: ['test'] }] });
      const missing = await describeFailure({ ParameterFilters: [{ Key: 'Name' }] });
      const both = await describeFailure({ Filters: [{ Key: 'Name', Values: ['a'] }], ParameterFilters: [{ Key: 'Name', Values: ['a'] }] });

      expect(model).to.be.instanceOf(ValidationException);
      expect(model.message).to.match(/^2 validation errors detected: /);
      expect(label).to.be.instanceOf(InvalidFilterKey);
      expect(label.message).to.equal('The following filter key is not valid: Label. Valid filter keys include: [Path, Name, Type, KeyId, Tier].');
      expect(byPathName.message).to.equal('The following filter key is not valid: Name. Valid filter keys include: [Type, KeyId].');
      expect(twice.message).to.equal(
        'The following filter is duplicated in the request: Name. A request can contain only one occurrence of a specific filter.',
      );
      expect(pathOption).to.be.instanceOf(InvalidFilterOption);
      expect(pathOption.message).to.equal('The following filter option is not valid: Equals. Valid options include: [Recursive, OneLevel].');
      expect(nameOption.message).to.equal('The following filter option is not valid: option. Valid options include: [BeginsWith, Equals].');
      expect(tier).to.be.instanceOf(InvalidFilterValue);
      expect(tier.message).to.equal('The following filter value is not valid: test. Valid values include: [Standard, Advanced, Intelligent-Tiering].');
      expect(type.message).to.equal('The following filter value is not valid: test. Valid values include: [String, StringList, SecureString].');
      expect(missing.message).to.equal('The following filter values are missing : null for filter key Name.');
      expect(both.message).to.equal('You can use either Filters or ParameterFilters in a single request.');
    });

    it('refuses Path filter values under /aws or /ssm, and paths no hierarchy could have, in SSM words', async () => {
      const common = await describeFailure({ ParameterFilters: [{ Key: 'Path', Values: ['/aws', '/ssm'] }] });
      expect(common.message).to.equal(
        'Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). ' +
          'When using global parameters, please specify within a global namespace.',
      );
      for (const path of ['/###', '//', 'test']) {
        const error = await describeFailure({ ParameterFilters: [{ Key: 'Path', Values: [path] }] });
        expect(error, path).to.be.instanceOf(ValidationException);
        expect(error.message, path).to.match(/^The parameter doesn't meet the parameter name requirements\. .*Valid example: \/get\/parameters2-\/by1\.\/path0_\.$/);
      }
    });
  });

  describe('public parameters', () => {
    const regionName = '/aws/service/global-infrastructure/regions/eu-west-1/longName';

    it('reads AWS public parameters by name, in GetParameters and by path, with ARNs of no account', async () => {
      const single = await ssm.send(new GetParameterCommand({ Name: regionName }));
      const several = await ssm.send(new GetParametersCommand({ Names: [regionName, '/aws/service/none', '/app/none'] }));
      const byPath = await ssm.send(
        new GetParametersByPathCommand({ Path: '/aws/service/global-infrastructure/regions', MaxResults: 10 }),
      );
      const history = await ssm.send(new GetParameterHistoryCommand({ Name: regionName }));

      expect(single.Parameter).to.deep.include({
        Name: regionName,
        Type: 'String',
        Value: 'Europe (Ireland)',
        Version: 1,
        ARN: `arn:aws:ssm:${REGION}::parameter${regionName}`,
      });
      expect(several.Parameters?.map((parameter) => parameter.Value)).to.deep.equal(['Europe (Ireland)']);
      expect(several.InvalidParameters).to.deep.equal(['/aws/service/none', '/app/none']);
      expect(byPath.Parameters?.map((parameter) => parameter.Value)).to.include.members(['eu-west-1', 'us-east-1']);
      expect(history.Parameters?.map((version) => version.Value)).to.deep.equal(['Europe (Ireland)']);
    });

    it('keeps them read-only and out of the account: no write, delete or label reaches them, and DescribeParameters does not list them', async () => {
      const written = await rejectionOf(put(regionName, 'mine', { Overwrite: true }));
      const deleted = await rejectionOf(ssm.send(new DeleteParameterCommand({ Name: regionName })));
      const labelled = await rejectionOf(ssm.send(new LabelParameterVersionCommand({ Name: regionName, Labels: ['x'] })));
      const described = await ssm.send(new DescribeParametersCommand({}));

      expect(written).to.have.property('name', 'AccessDeniedException');
      expect(deleted).to.be.instanceOf(ParameterNotFound);
      expect(labelled).to.be.instanceOf(ParameterNotFound);
      expect(described.Parameters).to.deep.equal([]);
      expect((await ssm.send(new GetParameterCommand({ Name: regionName }))).Parameter?.Value).to.equal('Europe (Ireland)');
      expect(emulator.snapshot()).to.deep.equal([]);
    });
  });

  it('keeps a root-level parameter one parameter under either spelling, from creation to deletion', async () => {
    await put('without-slash');
    const read = await ssm.send(new GetParameterCommand({ Name: '/without-slash' }));
    const again = await rejectionOf(put('/without-slash'));
    await ssm.send(new DeleteParameterCommand({ Name: '/without-slash' }));
    const gone = await rejectionOf(ssm.send(new GetParameterCommand({ Name: 'without-slash' })));

    expect(read.Parameter).to.deep.include({ Name: 'without-slash', ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/without-slash` });
    expect(again).to.be.instanceOf(ParameterAlreadyExists);
    expect(gone).to.be.instanceOf(ParameterNotFound);
  });
});
