import { expect } from 'chai';
import { countProgress, countingHistory } from '../../../bin/progress.ts';
import { collect } from '../../../shared/concurrency.ts';
import { FakeHistory, put } from '../support/restore-fakes.ts';

describe('progress of records read', () => {
  it('draws a running count on a terminal every 250 records and clears it at the end', async () => {
    let drawn = '';
    const progress = countProgress({ isTTY: true, write: (text: string) => (drawn += text) }, 'audit records read');
    const records = Array.from({ length: 600 }, (_, i) => put(`/app/p${i}`, { at: '2026-03-01T10:00:00Z', version: 1, value: 'v' }));
    const history = countingHistory(new FakeHistory(records), progress!);

    expect(await collect(history.recordsUnder('/app'))).to.have.length(600);
    progress!.end();
    expect(drawn.split('\r\x1b[2K').filter(Boolean)).to.deep.equal(['[250 audit records read]', '[500 audit records read]']);
    expect(drawn.endsWith('\r\x1b[2K')).to.equal(true);
  });

  it('draws nothing where no terminal reads it', () => {
    expect(countProgress({ write: () => undefined }, 'audit records read')).to.equal(undefined);
  });
});
