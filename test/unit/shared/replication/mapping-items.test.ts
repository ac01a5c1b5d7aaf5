/**
 * The items `figgy-events mappings add` writes: the Figgy CLI's shape, accepted only when the
 * functions read them as the same mapping.
 */
import { expect } from 'chai';
import { ValidationError } from '../../../../shared/events/validation.ts';
import { parseMapping } from '../../../../shared/replication/mapping.ts';
import { mappingItem, sourceText } from '../../../../shared/replication/mapping-items.ts';

describe('mapping items', () => {
  it('writes each kind in the Figgy CLI shape, a merge of several pieces as the list form', () => {
    expect(mappingItem({ type: 'app', destination: '/app/db/host', sources: ['/shared/db/host'] })).to.deep.equal({
      destination: '/app/db/host',
      type: 'app',
      source: '/shared/db/host',
      namespace: '/app/db/',
    });
    expect(mappingItem({ type: 'merge', destination: '/app/url', sources: ['db://${/db/user}@', '${/db/host}/x'], user: 'alice' })).to.deep.equal({
      destination: '/app/url',
      type: 'merge',
      source: ['db://${/db/user}@', '${/db/host}/x'],
      user: 'alice',
      namespace: null,
    });
    expect(mappingItem({ type: 'mirror', destination: '/dr/app/', sources: ['/app/'], keepDeleted: true })).to.deep.equal({
      destination: '/dr/app/',
      type: 'mirror',
      source: '/app/',
      keep_deleted: true,
      namespace: null,
    });
  });

  it('always writes the namespace the Figgy CLI reads from every item: the one asked for, the destination\'s /app/<service>/, or null', () => {
    expect(mappingItem({ type: 'app', destination: '/app/orders/db/host', sources: ['/shared/db/host'], user: 'alice' })).to.deep.include({
      user: 'alice',
      namespace: '/app/orders/',
    });
    expect(mappingItem({ type: 'app', destination: '/shared/x', sources: ['/a'] })).to.have.property('namespace', null);
    expect(mappingItem({ type: 'app', destination: '/app/x', sources: ['/a'], namespace: '/app/own/' })).to.have.property('namespace', '/app/own/');
    expect(mappingItem({ type: 'mirror', destination: 'arn:aws:ssm:eu-central-1:123456789012:parameter/app/dr/', sources: ['/app/'] })).to.have.property('namespace', null);
    // The functions read a null namespace as none.
    expect(parseMapping(mappingItem({ type: 'app', destination: '/shared/x', sources: ['/a'] })).namespace).to.equal(undefined);
  });

  it('keys a root-level destination by the name the functions look up first', () => {
    expect(mappingItem({ type: 'app', destination: 'db-url', sources: ['/x'] }).destination).to.equal('/db-url');
  });

  const refusals: [string, Parameters<typeof mappingItem>[0], string][] = [
    ['a type that is none of the three', { type: 'ap', destination: '/app/x', sources: ['/x'] }, 'type (mapping of /app/x): "ap" is not "app", "merge" or "mirror"'],
    ['several sources of an app', { type: 'app', destination: '/app/x', sources: ['/a', '/b'] }, 'source: an app mapping reads one source'],
    ['keep_deleted on an app', { type: 'app', destination: '/app/x', sources: ['/a'], keepDeleted: true }, 'keep_deleted: only a mirror'],
    ['a merge that refers to nothing', { type: 'merge', destination: '/app/x', sources: ['plain'] }, 'source (mapping of /app/x): a merge refers to no parameter'],
    ['a mirror source that is not a prefix', { type: 'mirror', destination: '/dr/', sources: ['/app'] }, 'source (mapping of /dr/): "/app" is not a prefix'],
    ['a malformed ARN', { type: 'app', destination: 'arn:aws:ssm:nowhere:1:parameter/x', sources: ['/a'] }, 'destination: "arn:aws:ssm:nowhere:1:parameter/x" is not a parameter ARN'],
  ];
  for (const [what, request, message] of refusals) {
    it(`refuses ${what}, naming the field`, () => {
      expect(() => mappingItem(request)).to.throw(ValidationError, message);
    });
  }

  it('spells a mapping\'s sources back as its item does', () => {
    expect(sourceText(parseMapping({ destination: '/app/u', type: 'merge', source: ['a=${/x}', '&b=${/y:uri}'] }))).to.equal('a=${/x}&b=${/y:uri}');
    expect(sourceText(parseMapping({ destination: '/dr/', type: 'mirror', source: '/app/' }))).to.equal('/app/');
  });
});
