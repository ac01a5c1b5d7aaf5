import { expect } from 'chai';
import { main } from '../../../bin/main.ts';
import { portsOption } from '../../../bin/sandbox-command.ts';
import { capture } from '../support/cli.ts';

describe('figgy-events sandbox options', () => {
  it('reads --ports as SSM\'s port then DynamoDB\'s', () => {
    expect(portsOption('4583,8000')).to.deep.equal({ ssm: 4583, dynamodb: 8000 });
    expect(portsOption(' 4583 , 8000 ')).to.deep.equal({ ssm: 4583, dynamodb: 8000 });
  });

  for (const bad of ['4583', '4583,8000,9000', 'a,b', '0,8000', '4583,70000', '4583,-1', '4583,']) {
    it(`refuses --ports ${bad} as bad usage (exit 2), saying what to type`, async () => {
      const { out, context } = capture();
      expect(await main(['sandbox', '--serve', '--ports', bad], context)).to.equal(2);
      expect(out.stderr).to.include(`--ports is "${bad}"`).and.include('--ports 4583,8000');
    });
  }

  it('refuses the same port twice', async () => {
    const { out, context } = capture();
    expect(await main(['sandbox', '--ports', '4583,4583'], context)).to.equal(2);
    expect(out.stderr).to.include('--ports gives 4583 twice');
  });

  it('documents --serve, --logs and --ports in its help', async () => {
    const { out, context } = capture();
    expect(await main(['sandbox', '--help'], context)).to.equal(0);
    expect(out.stdout).to.include('--serve').and.include('--logs').and.include('--ports SSM,DYNAMODB');
  });
});
