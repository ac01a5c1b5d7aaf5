/**
 * The serve mode's typed commands, against a sandbox that only records what it was asked to run.
 */
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { SCHEDULED_FUNCTIONS } from '../../../shared/functions.ts';
import { serve } from '../../../local/serve.ts';
import type { Sandbox, ScheduledFunction } from '../../../local/sandbox.ts';

describe('sandbox --serve typed commands', () => {
  it('sync runs every syncer the schedules run, the audit syncer included, and help names each', async () => {
    const ran: ScheduledFunction[] = [];
    const sandbox = {
      accountId: '123456789012',
      env: { AWS_REGION: 'eu-west-1' },
      settings: { region: 'eu-west-1', destinationPrefixes: ['/app/'], sourcePrefixes: [], auditedNamespaces: ['/'], replicaTargets: [] },
      runSchedule: async (name: ScheduledFunction) => {
        ran.push(name);
        return { status: 'finished', invocations: 1 };
      },
      stop: async () => undefined,
    } as unknown as Sandbox;
    const input = new PassThrough();
    let output = '';
    const served = serve(sandbox, { input, write: (text) => (output += text), interrupted: new Promise(() => undefined) });
    input.write('sync\nstop\n');
    expect(await served).to.equal(0);
    expect(ran).to.have.members([...SCHEDULED_FUNCTIONS]);
    for (const name of SCHEDULED_FUNCTIONS) expect(output).to.include(`run ${name}`);
  });
});
