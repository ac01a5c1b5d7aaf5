/**
 * `figgy-events status` up to the point where it would reach AWS: help and usage. What it reads
 * and judges is tested end to end (test/e2e/status.test.ts).
 */
import { expect } from 'chai';
import { main } from '../../../bin/main.ts';
import { capture } from '../support/cli.ts';

async function run(...argv: string[]) {
  const { out, context } = capture();
  const code = await main(argv, context);
  return { code, ...out };
}

describe('figgy-events status (usage)', () => {
  it('prints its help on --help with exit 0, and is listed in the main help', async () => {
    const help = await run('status', '--help');
    expect(help).to.deep.include({ code: 0, stderr: '' });
    expect(help.stdout).to.include('Usage: figgy-events status').and.include('Exit codes: 0 healthy, 1 something needs attention');
    expect((await run('--help')).stdout).to.match(/status\s+is the pipeline healthy/);
  });

  it('answers a mistyped option with the one meant, and a bad threshold with what to type, as bad usage', async () => {
    const typo = await run('status', '--jsn');
    expect(typo.code).to.equal(2);
    expect(typo.stderr).to.include('unknown option --jsn: did you mean --json?');
    for (const bad of ['0', '-5', '1.5', 'soon']) {
      const result = await run('status', `--wedged-after=${bad}`);
      expect(result.code, bad).to.equal(2);
      expect(result.stderr, bad).to.include(`--wedged-after "${bad}" must be a whole number of minutes`);
    }
    expect((await run('statsu')).stderr).to.include('did you mean "status"?');
  });
});
