import { expect } from 'chai';
import { pathRoot } from '../../../shared/audit/path-root.ts';

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
