import { expect } from 'chai';
import { ConfigurationError, ENV, auditedNamespaces, destinationPrefixes, parsePrefixes } from '../../../shared/config.ts';
import { isUnderPrefixes } from '../../../shared/parameter-paths.ts';

describe('configuration', () => {
  it('normalises prefixes and treats them as paths, not string prefixes', () => {
    const prefixes = parsePrefixes(' /app/ , /shared', ENV.destinationPrefixes);
    expect(prefixes).to.deep.equal(['/app', '/shared']);
    expect(isUnderPrefixes('/app/orders/db', prefixes)).to.be.true;
    expect(isUnderPrefixes('/application/x', prefixes)).to.be.false;
  });

  it('audits every parameter by default, names without a leading slash included', () => {
    const namespaces = auditedNamespaces({});
    expect(isUnderPrefixes('/a/b', namespaces)).to.be.true;
    expect(isUnderPrefixes('legacy', namespaces)).to.be.true;
  });

  it('names the variable when a prefix is wrong or a required one is missing', () => {
    expect(() => parsePrefixes('app', ENV.auditedNamespaces))
      .to.throw(ConfigurationError, 'AUDITED_NAMESPACES')
      .with.property('variable', 'AUDITED_NAMESPACES');
    expect(() => destinationPrefixes({})).to.throw(ConfigurationError, 'REPLICATION_DESTINATION_PREFIXES is required');
  });

  it('refuses what the construct refuses: wildcards, spaces, other characters no name holds, and "/" to write under', () => {
    for (const raw of ['/app/*', '/app/?', '/my app', '/app/x|y']) {
      expect(() => parsePrefixes(raw, ENV.sourcePrefixes), raw)
        .to.throw(ConfigurationError, 'no parameter name holds')
        .with.property('variable', 'REPLICATION_SOURCE_PREFIXES');
    }
    expect(() => destinationPrefixes({ [ENV.destinationPrefixes]: '/app,/' })).to.throw(
      ConfigurationError,
      'REPLICATION_DESTINATION_PREFIXES includes "/"',
    );
    expect(parsePrefixes('/', ENV.sourcePrefixes)).to.deep.equal(['/']);
  });
});
