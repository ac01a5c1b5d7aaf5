import { expect } from 'chai';
import { MASK } from '../../../../shared/audit/masking.ts';
import { planEntries, summarize } from '../../../../shared/restore/plan-entries.ts';
import { isUnderPrefix, normalizePrefix } from '../../../../shared/parameter-paths.ts';
import { planRestore, type PlanOptions } from '../../../../shared/restore/restore-plan.ts';
import type { CurrentParameter, DesiredState, ValueAt } from '../../../../shared/restore/types.ts';

const AT = Date.parse('2026-03-01T10:07:30Z');
const options: PlanOptions = { prefix: '/app', at: AT, destinations: new Map(), deleteCreatedAfter: false, secrets: new Set() };

const atT = (value: string, type: ValueAt['type'] = 'String', version = 2): DesiredState => ({
  kind: 'present',
  value: { type, value, version, changedAt: Date.parse('2026-03-01T10:05:00Z'), source: 'audit-log' },
});
const now = (name: string, value: string, type: CurrentParameter['type'] = 'String', version = 3): CurrentParameter => ({
  name,
  type,
  value,
  version,
});

function plan(desired: Record<string, DesiredState>, current: CurrentParameter[], overrides: Partial<PlanOptions> = {}) {
  return planRestore(new Map(Object.entries(desired)), new Map(current.map((each) => [each.name, each])), {
    ...options,
    ...overrides,
  });
}

const actions = (restorePlan: ReturnType<typeof plan>) =>
  Object.fromEntries(restorePlan.steps.map((step) => [step.name, step.action]));

describe('restore plan', () => {
  it('creates what was deleted since, updates what changed, and leaves what is equal', () => {
    const result = plan(
      {
        '/app/gone': atT('back'),
        '/app/changed': atT('old'),
        '/app/same': atT('same'),
        '/app/retyped': atT('a,b', 'StringList'),
      },
      [now('/app/changed', 'new'), now('/app/same', 'same'), now('/app/retyped', 'a,b', 'String')],
    );
    expect(actions(result)).to.deep.equal({
      '/app/changed': 'update',
      '/app/gone': 'create',
      '/app/retyped': 'update',
      '/app/same': 'unchanged',
    });
  });

  it('compares SecureStrings by their decrypted value, not their ciphertext', () => {
    const result = plan({ '/app/secret': atT('pw', 'SecureString') }, [now('/app/secret', 'pw', 'SecureString')]);
    expect(result.steps[0]?.action).to.equal('unchanged');
  });

  it('lists parameters created after T without deleting them, unless asked to', () => {
    const desired = { '/app/new': { kind: 'absent' } as const, '/app/reborn': { kind: 'absent', deletedAt: Date.parse('2026-03-01T10:00:00Z') } as const };
    const current = [now('/app/new', 'x'), now('/app/reborn', 'y')];
    const listed = plan(desired, current);
    expect(actions(listed)).to.deep.equal({ '/app/new': 'skipped', '/app/reborn': 'skipped' });
    expect(listed.steps[0]).to.include({ skip: 'created-after' });
    expect(listed.steps[0]?.reason).to.include('did not exist at T').and.include('--delete-created-after');
    expect(listed.steps[1]?.reason).to.include('deleted 2026-03-01T10:00:00.000Z');

    const deleting = plan(desired, current, { deleteCreatedAfter: true });
    expect(actions(deleting)).to.deep.equal({ '/app/new': 'delete', '/app/reborn': 'delete' });
  });

  it('lists a name the log shows that exists neither now nor at T as unchanged, saying so', () => {
    expect(plan({ '/app/long-gone': { kind: 'absent', deletedAt: 1 } }, []).steps).to.deep.equal([
      { name: '/app/long-gone', action: 'unchanged', reason: 'did not exist at T and does not exist now' },
    ]);
  });

  it('skips replication destinations, with the reason it is given, whether they exist now or not', () => {
    const reason = 'replication destination: restore the source (/app/shared/db/host)';
    const result = plan({ '/app/orders/db-url': atT('old url'), '/app/orders/gone': atT('x') }, [now('/app/orders/db-url', 'new url')], {
      destinations: new Map([
        ['/app/orders/db-url', reason],
        ['/app/orders/gone', reason],
      ]),
    });
    expect(result.steps.map((step) => [step.name, step.action, step.skip, step.reason])).to.deep.equal([
      ['/app/orders/db-url', 'skipped', 'replication-destination', reason],
      ['/app/orders/gone', 'skipped', 'replication-destination', reason],
    ]);
  });

  it('skips what it cannot restore, with the reason, and leaves unaudited parameters alone', () => {
    const result = plan(
      { '/app/lost': { kind: 'unresolved', reason: 'value at T unavailable: KMS said no' } },
      [now('/app/lost', 'x'), now('/app/legacy', 'never audited')],
    );
    expect(result.steps.map((step) => [step.name, step.action, step.skip])).to.deep.equal([
      ['/app/legacy', 'skipped', 'untracked'],
      ['/app/lost', 'skipped', 'unresolved'],
    ]);
    expect(result.steps[1]?.reason).to.equal('value at T unavailable: KMS said no');
  });

  describe('as printed', () => {
    it('masks both sides when either is a SecureString, and nothing else', () => {
      const result = plan(
        { '/app/secret': atT('old-password', 'SecureString'), '/app/was-plain': atT('leaked', 'String'), '/app/host': atT('db-1') },
        [now('/app/secret', 'new-password', 'SecureString'), now('/app/was-plain', 'moved', 'SecureString'), now('/app/host', 'db-2')],
      );
      const entries = planEntries(result);
      const text = JSON.stringify(entries);
      for (const secret of ['old-password', 'new-password', 'leaked', 'moved']) expect(text).not.to.include(secret);
      expect(entries.find((entry) => entry.name === '/app/secret')).to.deep.include({
        masked: true,
        from: { type: 'SecureString', value: MASK, version: 3 },
      });
      expect(entries.find((entry) => entry.name === '/app/host')).to.deep.include({
        masked: false,
        from: { type: 'String', value: 'db-2', version: 3 },
        to: { type: 'String', value: 'db-1', version: 2, changedAt: '2026-03-01T10:05:00.000Z', source: 'audit-log' },
      });
    });

    it('masks a String on both sides when the name was ever a SecureString in between', () => {
      const result = plan({ '/app/db/password': atT('bobs-plain-pw') }, [now('/app/db/password', 'moved-back-out')], {
        secrets: new Set(['/app/db/password']),
      });
      const [entry] = planEntries(result);
      expect(entry).to.deep.include({ masked: true, from: { type: 'String', value: MASK, version: 3 } });
      expect(JSON.stringify(entry)).not.to.include('bobs-plain-pw').and.not.include('moved-back-out');
    });

    it('counts each action and the parameters that cannot be restored', () => {
      const result = plan(
        { '/app/a': atT('x'), '/app/b': atT('y'), '/app/c': { kind: 'unresolved', reason: 'no value' } },
        [now('/app/b', 'z'), now('/app/c', 'w')],
      );
      expect(summarize(planEntries(result))).to.deep.equal({
        create: 1,
        update: 1,
        delete: 0,
        unchanged: 0,
        skipped: 1,
        unresolved: 1,
      });
    });
  });

  describe('prefix', () => {
    it('is a path: /app covers /app itself and /app/..., never /application', () => {
      expect(normalizePrefix('/app/')).to.equal('/app');
      expect(isUnderPrefix('/app', '/app')).to.be.true;
      expect(isUnderPrefix('/app/db/url', '/app')).to.be.true;
      expect(isUnderPrefix('/application/x', '/app')).to.be.false;
      expect(isUnderPrefix('/anything', normalizePrefix('/'))).to.be.true;
    });

    it('must start with a slash', () => {
      expect(() => normalizePrefix('app')).to.throw('must start with "/"');
    });
  });
});
