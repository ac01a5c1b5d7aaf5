import { expect } from 'chai';
import { REPAIR_NOTE, renderAuditEntries, renderDiff } from '../../../bin/audit-tables.ts';
import { main } from '../../../bin/main.ts';
import type { AuditEntry, DiffEntry } from '../../../shared/audit/audit-reader.ts';
import { capture } from '../support/cli.ts';


describe('audit commands (command line)', () => {
  it('prints help for history, log, diff and migrate, exit 0, and lists them in the CLI help', async () => {
    for (const command of ['history', 'log', 'diff', 'migrate']) {
      const { out, context } = capture();
      expect(await main([command, '--help'], context), command).to.equal(0);
      expect(out.stdout).to.match(new RegExp(`^Usage: figgy-events ${command}`));
    }
    const { out, context } = capture();
    await main(['--help'], context);
    expect(out.stdout).to.match(/history .*\n\s+log .*\n\s+diff /);
    expect(out.stdout).to.include('migrate');
  });

  it('exits 2 with a message naming the option for bad usage', async () => {
    const cases: [string[], string][] = [
      [['history'], 'a parameter NAME is required'],
      [['history', '/a', '/b'], "Unexpected argument '/b'"],
      [['log'], '--prefix is required'],
      [['log', '--prefix', '/app', '--since', 'yesterday'], '--since "yesterday" is not a time'],
      [['log', '--prefix', '/app', '--until', '2026-03-02'], '--until "2026-03-02" is in the future'],
      [['log', '--prefix', '/app', '--since', '1h', '--until', '2h'], '--until 2h is before --since 1h'],
      [['log', '--prefix', '/app', '--user', ' '], '--user is empty'],
      [['diff', '--prefix', '/app'], '--from is required'],
      [['diff', '--prefix', '/app', '--from', '2026-03-01T10:00:00'], '--from "2026-03-01T10:00:00" has no time zone'],
      [['diff', '--prefix', '/app', '--from', '1h', '--to', '2h'], '--to 2h is before --from 1h'],
      [['diff', '--prefix', 'app', '--from', '1h'], '--prefix "app" must start with "/"'],
      [['restore', '--prefix', '/prod', '--at', '1h', '--into', 'staging'], '--into "staging" must start with "/"'],
      [['restore', '--prefix', '/prod', '--at', '1h', '--into', '/prod/copy'], '--into /prod/copy overlaps --prefix /prod'],
      [['migrate', '--max-wps', '0'], '--max-tps "0"'],
      [['migrate', '--max-tps', 'fast'], '--max-tps "fast"'],
      [['history', 'app/db'], 'NAME "app/db" must start with "/"'],
      [['history', '/'], 'NAME "/" is the root'],
      [['restore', '--prefix', '/app', '--at', '1h', '--dry-run', '--apply'], '--dry-run and --apply contradict'],
    ];
    for (const [argv, message] of cases) {
      const { out, context } = capture();
      expect(await main(argv, context), argv.join(' ')).to.equal(2);
      expect(out.stderr, argv.join(' ')).to.include(message);
    }
  });

  it('renders entries as aligned columns, values quoted, masks bare, no value for a delete', () => {
    const entries: AuditEntry[] = [
      { name: '/app/db/host', time: '2026-03-01T10:10:00.000Z', action: 'PutParameter', user: 'bob', version: 2, type: 'String', value: 'db-2', masked: false },
      { name: '/app/db/password', time: '2026-03-01T10:11:00.000Z', action: 'PutParameter', user: 'alice', version: 1, type: 'SecureString', value: '********', masked: true },
      { name: '/app/old', time: '2026-03-01T10:12:00.000Z', action: 'DeleteParameters', user: 'alice', masked: false },
    ];
    expect(renderAuditEntries(entries, { names: true }).split('\n')).to.deep.equal([
      'TIME                      NAME              ACTION            VERSION  TYPE          VALUE     USER',
      '2026-03-01T10:10:00.000Z  /app/db/host      PutParameter      v2       String        "db-2"    bob',
      '2026-03-01T10:11:00.000Z  /app/db/password  PutParameter      v1       SecureString  ********  alice',
      '2026-03-01T10:12:00.000Z  /app/old          DeleteParameters  -        -             -         alice',
    ]);
  });

  it('marks the records the audit syncer added, and says under the table what the mark means', () => {
    const entries: AuditEntry[] = [
      { name: '/app/a', time: '2026-03-01T10:10:00.000Z', action: 'PutParameter', user: 'bob', version: 2, type: 'String', value: 'v', masked: false, repair: true },
      { name: '/app/a', time: '2026-03-01T10:11:00.000Z', action: 'DeleteParameter', user: 'alice', masked: false },
    ];
    const lines = renderAuditEntries(entries, { names: false }).split('\n');
    expect(lines[1]).to.match(/bob \*$/);
    expect(lines[2]).to.match(/alice$/);
    expect(lines.at(-1)).to.equal(REPAIR_NOTE);
    expect(renderAuditEntries(entries.slice(1), { names: false })).to.not.include(REPAIR_NOTE);
    const diff: DiffEntry[] = [
      { name: '/app/a', status: 'created', to: { type: 'String', value: 'v', version: 1 }, masked: false, lastChange: { time: '2026-03-01T10:10:00.000Z', user: 'bob', action: 'PutParameter', repair: true } },
    ];
    expect(renderDiff(diff)).to.include('bob PutParameter 2026-03-01T10:10:00.000Z *').and.include(REPAIR_NOTE);
  });

  it('renders a diff with both sides and the last change', () => {
    const entries: DiffEntry[] = [
      {
        name: '/app/db/host',
        status: 'updated',
        from: { type: 'String', value: 'db-1', version: 1 },
        to: { type: 'String', value: 'db-2', version: 2 },
        lastChange: { time: '2026-03-01T10:10:00.000Z', user: 'bob', action: 'PutParameter' },
        masked: false,
      },
      { name: '/app/new', status: 'created', to: { type: 'String', version: 1 }, masked: false },
    ];
    expect(renderDiff(entries).split('\n')).to.deep.equal([
      'STATUS   NAME          FROM              TO                              LAST CHANGE',
      'updated  /app/db/host  String "db-1" v1  String "db-2" v2                bob PutParameter 2026-03-01T10:10:00.000Z',
      'created  /app/new      -                 String (value not recorded) v1  -',
    ]);
  });
});
