import { expect } from 'chai';
import { Restorer } from '../../../../shared/restore/restorer.ts';
import { InMemoryMappings, RecordingLog } from '../../support/in-memory.ts';
import { FakeDecrypter, FakeHistory, FakeTarget, put } from '../../support/restore-fakes.ts';

const T = Date.parse('2026-03-01T10:07:30Z');

describe('restore under a mirror skips only what the mirror would write', () => {
  it('restores a hand-written parameter under the destination that the mirror refuses (untagged, not the copy), though its source exists', async () => {
    // /dr/app/db was written by hand (no replica-of tag, a value unlike /app/db's): planReplica
    // refuses it, so the mirror never writes it. Someone overwrote it after T; restore must put it back.
    const history = new FakeHistory([
      put('/dr/app/db', { at: '2026-03-01T10:00:00Z', version: 1, value: 'hand-1' }),
      put('/dr/app/db', { at: '2026-03-01T10:10:00Z', version: 2, value: 'oops' }),
    ]);
    const target = new FakeTarget();
    target.set('/app/db', 'source-value', 'String', { at: '2026-03-01T09:00:00Z' });
    target.set('/dr/app/db', 'hand-1', 'String', { at: '2026-03-01T10:00:00Z' });
    target.set('/dr/app/db', 'oops', 'String', { at: '2026-03-01T10:10:00Z' });
    const mappings = new InMemoryMappings();
    mappings.set({ destination: '/dr/app/', source: '/app/', type: 'mirror' });
    const restorer = new Restorer({ history, target, decrypter: new FakeDecrypter(), mappings, log: new RecordingLog() });
    const plan = await restorer.plan({ prefix: '/dr', at: T });
    expect(plan.steps.find((step) => step.name === '/dr/app/db')).to.include({ action: 'update' });
  });
});
