import { expect } from 'chai';
import { EventBus } from '../../../local/event-bus.ts';
import { seededRandom } from '../../../local/ssm/index.ts';

function bus(lost: number) {
  const invoked: unknown[] = [];
  const events = new EventBus({
    pattern: { source: ['aws.ssm'] },
    targets: ['parameter-store-auditor', 'config-cache-manager'],
    invoke: async (_target, event) => {
      invoked.push(event);
    },
    onDeadLetter: () => undefined,
    delivery: { lost },
    random: seededRandom(7),
  });
  return { events, invoked };
}

describe('sandbox event bus: lost delivery', () => {
  it('drops about the share asked for, each lost event for every target at once', async () => {
    const { events, invoked } = bus(0.5);
    for (let index = 0; index < 400; index++) expect(events.publish({ source: 'aws.ssm', id: index })).to.equal(true);
    await events.idle();
    const delivered = new Set(invoked.map((event) => (event as { id: number }).id));
    // Both targets got exactly the same events: a lost event is lost before the rule fans out.
    expect(invoked).to.have.length(2 * delivered.size);
    expect(delivered.size).to.be.within(160, 240);
  });

  it('loses nothing at 0 and everything at 1, and refuses a share outside them', async () => {
    const none = bus(0);
    const all = bus(1);
    for (let index = 0; index < 20; index++) {
      none.events.publish({ source: 'aws.ssm', id: index });
      all.events.publish({ source: 'aws.ssm', id: index });
    }
    await Promise.all([none.events.idle(), all.events.idle()]);
    expect(none.invoked).to.have.length(40);
    expect(all.invoked).to.deep.equal([]);
    expect(() => none.events.setDelivery({ lost: -0.1 })).to.throw(RangeError, /lostDelivery/);
  });
});
