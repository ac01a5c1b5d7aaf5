/**
 * `figgy-events mappings` up to the point where it would reach AWS: usage, help and the items
 * it refuses to write. Its work on the table is tested end to end (test/e2e/mappings.test.ts).
 */
import { expect } from 'chai';
import { main } from '../../../bin/main.ts';
import { capture } from '../support/cli.ts';

async function run(...argv: string[]) {
  const { out, context } = capture();
  const code = await main(argv, context);
  return { code, ...out };
}

describe('figgy-events mappings (usage)', () => {
  it('prints its help, and each subcommand\'s, on --help with exit 0; without a subcommand on stderr with exit 2', async () => {
    expect(await run('mappings', '--help')).to.deep.include({ code: 0, stderr: '' });
    expect((await run('mappings', '--help')).stdout).to.include('Usage: figgy-events mappings <add|list|check|remove>');
    for (const subcommand of ['add', 'list', 'check', 'remove']) {
      const help = await run('mappings', subcommand, '--help');
      expect(help.code).to.equal(0);
      expect(help.stdout).to.include(`Usage: figgy-events mappings ${subcommand}`).and.include('Exit codes');
    }
    const bare = await run('mappings');
    expect([bare.code, bare.stdout]).to.deep.equal([2, '']);
    expect(bare.stderr).to.include('Subcommands:');
    expect((await run('--help')).stdout).to.match(/mappings\s+add, list, check or remove replication mappings/);
  });

  const refusals: [string, string[], string][] = [
    ['an unknown subcommand', ['frob'], 'unknown subcommand "frob": add, list, check or remove'],
    ['add without a kind', ['add', '--destination', '/app/x', '--source', '/y'], 'the kind of mapping is required'],
    ['add of a kind that does not exist', ['add', 'ap', '--destination', '/app/x', '--source', '/y'], '"ap" is not a kind of mapping: app, merge or mirror'],
    ['add without --destination', ['add', 'app', '--source', '/y'], '--destination is required'],
    ['add without --source', ['add', 'app', '--destination', '/app/x'], '--source is required'],
    ['an app of several sources', ['add', 'app', '--destination', '/app/x', '--source', '/a', '--source', '/b'], 'not written: source: an app mapping reads one source'],
    ['--keep-deleted on a merge', ['add', 'merge', '--destination', '/app/x', '--source', '${/a}', '--keep-deleted'], 'not written: keep_deleted: only a mirror'],
    ['a mirror of a name', ['add', 'mirror', '--destination', '/dr/', '--source', '/app'], 'not written: source (mapping of /dr/): "/app" is not a prefix'],
    ['an unknown flag', ['list', '--prefx', '/app'], '--prefx'],
    ['check of one and a prefix', ['check', '/app/x', '--prefix', '/app'], 'give a DESTINATION or --prefix, not both'],
    ['remove without a destination', ['remove'], 'the DESTINATION to remove the mapping of is required'],
  ];
  for (const [what, argv, message] of refusals) {
    it(`refuses ${what} with exit 2, before reaching AWS`, async () => {
      const result = await run('mappings', ...argv);
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr).to.include(message);
      expect(result.stdout).to.equal('');
    });
  }

  it('names the settings check needs when the functions\' variables are not set', async () => {
    const result = await run('mappings', 'check');
    expect(result.code).to.equal(1);
    expect(result.stderr)
      .to.include('environment variable REPLICATION_DESTINATION_PREFIXES is required but not set')
      .and.include('get-function-configuration --function-name figgy-replication-syncer');
  });
});
