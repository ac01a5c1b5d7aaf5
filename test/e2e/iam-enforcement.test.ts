/**
 * The sandbox's IAM enforcement is not vacuous: with one grant of the function catalog taken
 * away, the flow that needs it fails with `AccessDeniedException`, as it would on AWS, while
 * the same flow with the catalog as it is succeeds.
 */
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../local/index.ts';
import { SandboxClients } from './support/sandbox-clients.ts';
import { rejectionOf } from '../support/rejection.ts';

const HOME = '123456789012';

describe('IAM enforcement with a grant taken away (end to end, built bundles)', function () {
  this.timeout(180_000);

  /** A home mirror and a cached parameter: the syncer's cycle check reads mappings, the cache manager writes the cache. */
  const flow = async (options: SandboxOptions) => {
    const sandbox: Sandbox = await startSandbox({ destinationPrefixes: ['/app/'], ...options });
    try {
      const clients = new SandboxClients(sandbox);
      await clients.ssmAs('alice').send(new PutParameterCommand({ Name: '/team/db', Value: 'v1', Type: 'String' }));
      await clients.documents.send(
        new PutCommand({ TableName: sandbox.tables.replication, Item: { destination: '/app/team/', source: '/team/', type: 'mirror' } }),
      );
      await sandbox.settle();
      const pass = await sandbox.runSchedule('replication-syncer').then(
        (outcome) => ({ status: outcome.status }),
        (error: Error) => ({ status: 'failed', error: error.message }),
      );
      const cached = (await clients.scan(sandbox.tables.cache)).map((item) => item.parameter_name);
      return { pass, cached, deadLetters: sandbox.deadLetters(), logs: sandbox.logs() };
    } finally {
      await sandbox.stop();
    }
  };

  it('the flows succeed with every grant of the catalog', async () => {
    const result = await flow({});
    expect(result.pass).to.deep.equal({ status: 'finished' });
    expect(result.cached).to.include('/team/db');
    expect(result.deadLetters).to.deep.equal([]);
  });

  it('without them, the syncer fails its pass and the cache manager its events with AccessDeniedException', async () => {
    const result = await flow({
      revokedGrants: [
        // A mirror at home is checked for cycles by reading its upstream mappings.
        { functionName: 'replication-syncer', table: 'replication', operation: 'GetItem' },
        // The cache manager swaps a name's items in one transaction.
        { functionName: 'config-cache-manager', table: 'cache', operation: 'TransactWriteItems:Put' },
      ],
    });
    expect(result.pass.status).to.equal('failed');
    expect(result.pass).to.have.property('error').that.matches(/AccessDeniedException/).and.matches(
      new RegExp(
        `assumed-role/figgy-replication-syncer-eu-west-1/replicationsyncer is not authorized to perform: dynamodb:GetItem ` +
          `on resource: arn:aws:dynamodb:eu-west-1:${HOME}:table/figgy-config-replication because no identity-based policy allows`,
      ),
    );
    expect(result.cached).to.not.include('/team/db');
    const cacheLetters = result.deadLetters.filter((letter) => letter.functionName === 'config-cache-manager');
    expect(cacheLetters).to.not.be.empty;
    for (const letter of cacheLetters) expect(letter.error).to.match(/AccessDeniedException.*dynamodb:PutItem on resource: .*table\/figgy-config-cache/);
  });

  it('refuses to take away a grant the catalog does not list, so no test of one passes for revoking nothing', async () => {
    const refused = await refusalOf({ revokedGrants: [{ functionName: 'parameter-store-auditor', table: 'audit', operation: 'DeleteItem' }] });
    expect(refused).to.be.instanceOf(RangeError);
    expect(refused.message).to.include('grants parameter-store-auditor no DeleteItem');
  });

  it('refuses to revoke a grant with IAM not enforced, where nothing would be checked', async () => {
    const revoked = { functionName: 'parameter-store-auditor', table: 'audit', operation: 'PutItem' } as const;
    const refused = await refusalOf({ enforceIam: false, revokedGrants: [revoked] });
    expect(refused).to.be.instanceOf(RangeError);
    expect(refused.message).to.include('revokedGrants needs IAM enforced');
  });
});

/** The error `startSandbox` refuses `options` with; a sandbox it starts instead is stopped, and the test fails. */
function refusalOf(options: SandboxOptions): Promise<Error> {
  return rejectionOf(startSandbox(options).then((sandbox) => sandbox.stop()));
}
