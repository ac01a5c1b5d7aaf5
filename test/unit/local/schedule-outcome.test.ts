import { expect } from 'chai';
import { describeOutcome } from '../../../local/schedule-outcome.ts';

const replication = { mappings: 4, invalid: 1, linksAdded: 2, linksRemoved: 0, written: 3, inSync: 5, refused: 1, waiting: 0, mirrors: 1, deleted: 0, failed: 0 };

describe('a syncer\'s outcome in words', () => {
  it('says what a replication pass checked, repaired and could not do', () => {
    expect(describeOutcome('replication-syncer', { status: 'finished', openMs: 1000, invocations: 2, report: replication })).to.equal(
      'finished in 2 invocations: 4 mappings (1 mirror); 5 destination(s) and replica(s) already in sync; ' +
        'repaired: 3 destination(s) or replica(s) rewritten, source index: 2 link(s) added, 0 removed; ' +
        '1 refused (see the warnings); 1 malformed mapping skipped',
    );
  });

  it('says what a cache pass listed and repaired', () => {
    const report = { parametersListed: 1, cacheItemsRead: 3, added: 0, tombstoned: 2, collapsed: 0, skipped: 0 };
    expect(describeOutcome('config-cache-syncer', { status: 'continuing', openMs: 1000, invocations: 1, report })).to.equal(
      'paused (it continues on the next schedule) in 1 invocation: 1 parameter listed against the name cache; repaired: 2 deleted name(s) tombstoned',
    );
  });

  it('says why nothing was done', () => {
    expect(describeOutcome('replication-syncer', { status: 'busy' })).to.equal('another invocation holds the job: nothing done');
    expect(describeOutcome('config-cache-syncer', { status: 'idle' })).to.equal('nothing to do');
  });
});
