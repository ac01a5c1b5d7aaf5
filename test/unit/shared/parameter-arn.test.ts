import { expect } from 'chai';
import { parameterArn, parameterArnBase, parseParameterArn } from '../../../shared/parameter-arn.ts';

describe('parameter ARNs', () => {
  it("keep the name's slashes after parameter and drop the leading one, a root-level name either way", () => {
    const scope = { region: 'eu-west-1', account: '123456789012' };
    expect(parameterArn(scope, '/app/db')).to.equal('arn:aws:ssm:eu-west-1:123456789012:parameter/app/db');
    expect(parameterArn(scope, 'x')).to.equal('arn:aws:ssm:eu-west-1:123456789012:parameter/x');
    expect(parameterArn(scope, '/x')).to.equal('arn:aws:ssm:eu-west-1:123456789012:parameter/x');
  });

  it("take the region's partition unless told one", () => {
    expect(parameterArnBase({ region: 'cn-north-1', account: '1' })).to.equal('arn:aws-cn:ssm:cn-north-1:1:parameter');
    expect(parameterArnBase({ region: 'us-gov-west-1', account: '1' })).to.equal('arn:aws-us-gov:ssm:us-gov-west-1:1:parameter');
    expect(parameterArnBase({ partition: '${data.aws_partition.current.partition}', region: 'r', account: 'a' })).to.equal(
      'arn:${data.aws_partition.current.partition}:ssm:r:a:parameter',
    );
  });

  it('read back what they build, and nothing that is not one', () => {
    const arn = parameterArn({ region: 'cn-north-1', account: '123456789012' }, '/app/db');
    expect(parseParameterArn(arn)).to.deep.equal({ partition: 'aws-cn', region: 'cn-north-1', account: '123456789012', path: '/app/db', name: '/app/db' });
    expect(parseParameterArn('arn:aws:ssm:eu-west-1:123456789012:document/x')).to.equal(undefined);
    expect(parseParameterArn('/app/db')).to.equal(undefined);
  });
});
