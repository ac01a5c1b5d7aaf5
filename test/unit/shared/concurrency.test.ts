import { expect } from 'chai';
import { mapBounded } from '../../../shared/concurrency.ts';

describe('mapBounded', () => {
  it('keeps at most `limit` calls in flight and the results in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapBounded([5, 1, 4, 2, 3], 2, async (delay) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, delay));
      inFlight--;
      return delay * 10;
    });
    expect(most).to.equal(2);
    expect(results).to.deep.equal([50, 10, 40, 20, 30]);
  });

  it('starts nothing after a failure and throws it only once the calls in flight have ended', async () => {
    const started: number[] = [];
    const ended: number[] = [];
    let error: unknown;
    try {
      await mapBounded([1, 2, 3, 4, 5, 6], 2, async (item) => {
        started.push(item);
        await new Promise((resolve) => setTimeout(resolve, item === 2 ? 20 : 1));
        if (item === 1) throw new Error('first failed');
        ended.push(item);
      });
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).to.equal('first failed');
    expect(started).to.deep.equal([1, 2]);
    expect(ended).to.deep.equal([2]);
  });
});
