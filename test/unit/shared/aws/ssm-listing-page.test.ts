import { DescribeParametersCommand, type DescribeParametersCommandInput, type SSMClient } from '@aws-sdk/client-ssm';
import { expect } from 'chai';

import { SsmParameterStore } from '../../../../shared/aws/ssm-parameter-store.ts';
import { ListingTokenRejectedError } from '../../../../shared/parameters.ts';

/** An SSM client that answers DescribeParameters by `answer` and keeps every input it was sent. */
function fakeSsm(answer: (input: DescribeParametersCommandInput) => object) {
  const inputs: DescribeParametersCommandInput[] = [];
  const ssm = {
    send: async (command: unknown) => {
      if (!(command instanceof DescribeParametersCommand)) throw new Error('only DescribeParameters is expected');
      inputs.push({ ...command.input });
      return answer(command.input);
    },
  } as unknown as SSMClient;
  return { store: new SsmParameterStore(ssm), inputs };
}

function invalidNextToken(): Error {
  return Object.assign(new Error("The specified token isn't valid."), { name: 'InvalidNextToken' });
}

describe('SsmParameterStore listing page by page', () => {
  it('reads one DescribeParameters page of 50, unfiltered, and hands back its NextToken', async () => {
    const { store, inputs } = fakeSsm(() => ({ Parameters: [{ Name: '/a' }, { Name: 'legacy' }], NextToken: 'page-2' }));

    expect(await store.listNamesPage()).to.deep.equal({ names: ['/a', '/legacy'], next: 'page-2' });
    expect(await store.listNamesPage('page-2')).to.deep.include({ next: 'page-2' });

    expect(inputs).to.deep.equal([{ MaxResults: 50 }, { MaxResults: 50, NextToken: 'page-2' }]);
  });

  it('ends the listing only when no NextToken comes back, even after an empty page', async () => {
    const { store } = fakeSsm((input) => (input.NextToken === undefined ? { Parameters: [], NextToken: 'more' } : { Parameters: [{ Name: '/z' }] }));

    expect(await store.listNamesPage()).to.deep.equal({ names: [], next: 'more' });
    expect(await store.listNamesPage('more')).to.deep.equal({ names: ['/z'] });
  });

  it('says a saved token was refused, so the caller can list again from the first page', async () => {
    const { store } = fakeSsm(() => {
      throw invalidNextToken();
    });

    const refused = await store.listNamesPage('expired').catch((error: unknown) => error);

    expect(refused).to.be.instanceOf(ListingTokenRejectedError);
    expect((refused as ListingTokenRejectedError).retryable).to.equal(true);
    expect((refused as Error).message).to.include('list again from the first page');
  });

  it('passes on any other failure as it is', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const { store } = fakeSsm(() => {
      throw throttled;
    });

    expect(await store.listNamesPage('token').catch((error: unknown) => error)).to.equal(throttled);
  });
});
