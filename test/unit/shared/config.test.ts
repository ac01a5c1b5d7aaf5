import { expect } from 'chai';
import { ConfigurationError, ENV, auditImportDays, auditedNamespaces, bulkReadsPerSecond, destinationPrefixes, homeAccountId, parsePrefixes, replicaTargets } from '../../../shared/config.ts';
import { functionEnvironment, type DeploymentSettings } from '../../../shared/functions.ts';
import { concernsPath, isUnderPrefixes } from '../../../shared/parameter-paths.ts';

describe('configuration', () => {
  it('reads the audit syncer\'s import days, 90 unless set, and refuses what CloudTrail does not keep, naming the variable', () => {
    expect(auditImportDays({})).to.equal(90);
    expect(auditImportDays({ AUDIT_IMPORT_DAYS: '0' })).to.equal(0);
    expect(auditImportDays({ AUDIT_IMPORT_DAYS: '7' })).to.equal(7);
    for (const raw of ['91', '-1', '1.5', 'week']) {
      expect(() => auditImportDays({ AUDIT_IMPORT_DAYS: raw }), raw).to.throw(ConfigurationError, /AUDIT_IMPORT_DAYS is/);
    }
  });

  it('reads the background read pace, 10 calls a second unless set, and names the variable when it is wrong', () => {
    expect(bulkReadsPerSecond({})).to.equal(10);
    expect(bulkReadsPerSecond({ BULK_READS_PER_SECOND: '2.5' })).to.equal(2.5);
    for (const raw of ['0', '1001', 'fast']) {
      expect(() => bulkReadsPerSecond({ BULK_READS_PER_SECOND: raw }), raw)
        .to.throw(ConfigurationError, /BULK_READS_PER_SECOND is .*not a number of reads per second from 0.1 to 1000/);
    }
    const targets = [{ region: 'eu-central-1', destinationPrefixes: ['/dr'], bulkReadsPerSecond: 4 }];
    expect(replicaTargets({ REPLICATION_REPLICA_TARGETS: JSON.stringify(targets) })[0]).to.deep.include({ bulkReadsPerSecond: 4 });
    expect(() => replicaTargets({ REPLICATION_REPLICA_TARGETS: JSON.stringify([{ ...targets[0], bulkReadsPerSecond: 0 }]) }))
      .to.throw(/\[0\]\.bulkReadsPerSecond is 0, not a number of reads per second/);
  });

  it('normalises prefixes and treats them as paths, not string prefixes', () => {
    const prefixes = parsePrefixes(' /app/ , /shared', ENV.destinationPrefixes);
    expect(prefixes).to.deep.equal(['/app', '/shared']);
    expect(isUnderPrefixes('/app/orders/db', prefixes)).to.be.true;
    expect(isUnderPrefixes('/application/x', prefixes)).to.be.false;
  });

  it('says a mapping concerns a path when it lies under it, or is a mirror\'s prefix that holds it', () => {
    expect(concernsPath('/app/orders/db', '/app')).to.be.true;
    expect(concernsPath('/app/', '/app/orders')).to.be.true;
    expect(concernsPath('/', '/app/orders')).to.be.true;
    expect(concernsPath('/app/orders/', '/app/orders')).to.be.true;
    expect(concernsPath('/app/orders/db', '/app/orders/db/x')).to.be.false;
    expect(concernsPath('/app/orders-v2/', '/app/orders')).to.be.false;
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

  it("gives the replica writers the deployment's account with its targets, which they read instead of asking STS", () => {
    const settings: DeploymentSettings = {
      namePrefix: 'figgy',
      accountId: '123456789012',
      auditedNamespaces: ['/'],
      destinationPrefixes: ['/app'],
      replicaTargets: [{ region: 'eu-central-1', destinationPrefixes: ['/dr'] }],
      logLevel: 'INFO',
    };
    expect(homeAccountId(functionEnvironment('replication-syncer', settings))).to.equal('123456789012');
    expect(functionEnvironment('config-cache-syncer', settings)).not.to.have.property(ENV.homeAccountId);
    expect(functionEnvironment('replication-syncer', { ...settings, replicaTargets: [] })).not.to.have.property(ENV.homeAccountId);
    expect(() => homeAccountId({})).to.throw(ConfigurationError, 'REPLICATION_HOME_ACCOUNT_ID is required');
    expect(() => homeAccountId({ [ENV.homeAccountId]: '${data.aws_caller_identity.account.account_id}' }))
      .to.throw(ConfigurationError, 'not a 12-digit account id')
      .with.property('variable', 'REPLICATION_HOME_ACCOUNT_ID');
  });
});
