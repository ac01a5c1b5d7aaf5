import { expect } from 'chai';
import { pathRoot } from '../../../../shared/audit/path-root.ts';
import { pathMatch } from '../../../../shared/parameter-paths.ts';

describe('pathRoot', () => {
  it('is the leading path segment of a hierarchical name or prefix', () => {
    expect(pathRoot('/app/orders/db')).to.equal('/app');
    expect(pathRoot('/app/orders')).to.equal('/app');
    expect(pathRoot('/app')).to.equal('/app');
  });

  it('puts both spellings of a root-level name in one partition, the canonical /x', () => {
    expect(pathRoot('db-url')).to.equal('/db-url');
    expect(pathRoot('/db-url')).to.equal('/db-url');
  });

  it('has no single segment for the root', () => {
    expect(pathRoot('/')).to.equal(undefined);
  });
});

describe('pathMatch', () => {
  it('matches a root-level path in both spellings, and what lies below it by its slashed form', () => {
    expect(pathMatch('/db-url')).to.deep.equal({ names: ['/db-url', 'db-url'], below: '/db-url/' });
  });

  it('matches a deeper path as written, a trailing slash dropped', () => {
    expect(pathMatch('/app/orders/')).to.deep.equal({ names: ['/app/orders'], below: '/app/orders/' });
  });

  it('has nothing to match for the root, which covers every name', () => {
    expect(pathMatch('/')).to.equal(undefined);
  });
});
