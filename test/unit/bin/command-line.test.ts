import { expect } from 'chai';
import { main } from '../../../bin/main.ts';
import { UsageError, parseOptions, takeAwsOptions } from '../../../bin/command-line.ts';
import { nodeVersionNote } from '../../../bin/node-version.ts';
import { closestName } from '../../../shared/closest-name.ts';
import { parsePointInTime, rerunAt } from '../../../bin/point-in-time.ts';
import { renderPlanTable } from '../../../bin/plan-table.ts';
import type { PlanEntry } from '../../../shared/restore/types.ts';
import { NOW, capture } from '../support/cli.ts';


describe('figgy-events command line', () => {
  describe('--at', () => {
    it('reads ISO 8601 with a zone, a bare date as midnight UTC, and times ago', () => {
      expect(parsePointInTime('2026-03-01T10:07:30Z', NOW)).to.equal(Date.parse('2026-03-01T10:07:30Z'));
      expect(parsePointInTime('2026-03-01T11:07:30.250+01:00', NOW)).to.equal(Date.parse('2026-03-01T10:07:30.250Z'));
      expect(parsePointInTime('2026-03-01', NOW)).to.equal(Date.parse('2026-03-01T00:00:00Z'));
      expect(parsePointInTime('2h', NOW)).to.equal(Date.parse('2026-03-01T10:00:00Z'));
      expect(parsePointInTime('90s ago', NOW)).to.equal(NOW - 90_000);
      expect(parsePointInTime('1w', NOW)).to.equal(Date.parse('2026-02-22T12:00:00Z'));
    });

    it('refuses a time without a zone, an impossible date and anything else', () => {
      expect(() => parsePointInTime('2026-03-01T10:07:30', NOW)).to.throw('no time zone');
      expect(() => parsePointInTime('2026-02-30T10:00:00Z', NOW)).to.throw('not a valid date');
      expect(() => parsePointInTime('yesterday', NOW)).to.throw('is not a time');
    });

    it('refuses years before 1970 and short years instead of reading them as 19xx', () => {
      expect(() => parsePointInTime('0026-03-01', NOW)).to.throw('the year 0026 is before 1970');
      expect(() => parsePointInTime('1969-12-31T23:59:59Z', NOW)).to.throw('before 1970');
      expect(() => parsePointInTime('26-03-01', NOW)).to.throw('the year 26 is not written in full');
      expect(() => parsePointInTime('26-03-01T10:00:00Z', NOW)).to.throw('not written in full');
      expect(parsePointInTime('1970-01-01', NOW)).to.equal(0);
    });

    it('says that a time ago takes no sign', () => {
      expect(() => parsePointInTime('-5m', NOW)).to.throw('a time ago has no sign; write "5m"');
      expect(() => parsePointInTime('+2h ago', NOW)).to.throw('write "2h"');
    });

    it('refuses an offset outside RFC 3339 (hours 00-23, minutes 00-59) instead of moving T by it', () => {
      expect(() => parsePointInTime('2026-03-01T10:00:00+99:99', NOW)).to.throw('--at "2026-03-01T10:00:00+99:99": the offset +99:99 is not a time zone offset');
      expect(() => parsePointInTime('2026-03-01T10:00:00+24:00', NOW)).to.throw('offset +24:00');
      expect(() => parsePointInTime('2026-03-01T10:00:00-00:75', NOW, '--since')).to.throw('--since "2026-03-01T10:00:00-00:75"');
      expect(() => parsePointInTime('2026-03-01T10:00:00+2400', NOW)).to.throw('offset +2400');
      expect(parsePointInTime('2026-03-01T10:00:00+23:59', NOW)).to.equal(Date.parse('2026-03-01T10:00:00Z') - (23 * 60 + 59) * 60_000);
      expect(parsePointInTime('2026-03-01T10:00:00-00:00', NOW)).to.equal(Date.parse('2026-03-01T10:00:00Z'));
    });

    it('refuses a time ago that reaches before 1970 or past what a date holds, naming the option', () => {
      expect(() => parsePointInTime('3000w', NOW)).to.throw('--at "3000w" reaches back to before 1970');
      expect(() => parsePointInTime('99999999w', NOW, '--from')).to.throw(UsageError, '--from "99999999w" reaches back to before 1970');
      expect(() => parsePointInTime(`${'9'.repeat(400)}s`, NOW, '--until')).to.throw(UsageError, '--until');
      expect(parsePointInTime(`${NOW / 1000}s`, NOW)).to.equal(0);
    });

    it('gives a time ago in whole milliseconds, so the T printed as ISO 8601 is the same T again', () => {
      const at = parsePointInTime('0.0004s', NOW);
      expect(parsePointInTime(new Date(at).toISOString(), NOW)).to.equal(at);
      expect(rerunAt(parsePointInTime('2h', NOW))).to.equal('--at 2026-03-01T10:00:00.000Z');
    });

    it('refuses a time in the future, whatever its zone', () => {
      expect(() => parsePointInTime('2026-03-01T12:00:01Z', NOW)).to.throw('is in the future (now is 2026-03-01T12:00:00.000Z)');
      expect(() => parsePointInTime('2026-03-01T13:30:00+01:00', NOW)).to.throw('in the future');
      expect(() => parsePointInTime('2026-03-02', NOW)).to.throw('in the future');
      expect(parsePointInTime('2026-03-01T12:00:00Z', NOW)).to.equal(NOW);
      expect(parsePointInTime('0s', NOW)).to.equal(NOW);
    });
  });

  describe('exit codes and help', () => {
    it('prints help for the CLI and for every command, exit 0', async () => {
      for (const argv of [['--help'], ['restore', '--help'], ['replay', '-h'], ['sandbox', '--help'], ['plan', '--help']]) {
        const { out, context } = capture();
        expect(await main(argv, context)).to.equal(0);
        expect(out.stdout).to.match(/^Usage: figgy-events/);
      }
    });

    it('exits 2 with a message naming the problem for bad usage', async () => {
      const cases: [string[], string][] = [
        [[], 'Usage: figgy-events <command>'],
        [['rewind'], 'unknown command "rewind"'],
        [['restore', '--at', '2h'], '--prefix is required'],
        [['restore', '--prefix', '/app'], '--at is required'],
        [['restore', '--prefix', '/app', '--at', 'last tuesday'], 'is not a time'],
        [['restore', '--prefix', '/app', '--at', '2026-03-01T10:00:00+24:00'], '--at "2026-03-01T10:00:00+24:00": the offset +24:00'],
        [['restore', '--prefix', '/app', '--at', '99999999w'], '--at "99999999w" reaches back to before 1970'],
        [['log', '--prefix', '/app', '--since', '3000w'], '--since "3000w" reaches back to before 1970'],
        [['log', '--prefix', '/app', '--until', '2026-03-01T10:00:00-00:75'], '--until "2026-03-01T10:00:00-00:75"'],
        [['diff', '--prefix', '/app', '--from', '99999999w'], '--from "99999999w"'],
        [['diff', '--prefix', '/app', '--from', '1h', '--to', '2026-03-01T10:00:00+99:99'], '--to "2026-03-01T10:00:00+99:99"'],
        [['restore', '--prefix', 'app', '--at', '2h'], '--prefix "app" must start with "/"'],
        [['restore', '--prefix', '/app', '--at', '2h', '--max-tps', 'fast'], '--max-tps "fast"'],
        [['restore', '--prefix', '/app', '--at', '2h', '--account', '42'], '12-digit'],
        [['restore', '--prefix', '/app', '--at', '2h', '--force'], 'unknown option --force\n'],
        [['restore', '--prefix', '/app', '--at', '2h', '--aply'], 'unknown option --aply: did you mean --apply?'],
        [['log', '--prefix', '/app', '--regoin', 'eu-west-1'], 'unknown option --regoin: did you mean --region?'],
        [['history', '/app/db', '-x'], 'unknown option -x'],
        [['restore', '--prefix', '/app', '--at', '2h', '--region'], '--region needs a value'],
        [['restore', '--prefix', '/app', '--at', '2h', '--profile', '--json'], '--profile needs a value'],
        [['resotre'], 'unknown command "resotre": did you mean "restore"?'],
        [['plan'], 'a synthesized stack DIR is required'],
        [['plan', '/no/such/folder'], 'DIR /no/such/folder is not a folder'],
        [['plan', '.', '--plugin-dir', '/no/such/mirror'], '--plugin-dir /no/such/mirror is not a folder'],
        [['plan', '.', '--aws-provider', '~> 6.0'], '--aws-provider ~> 6.0 is not a release number such as 5.100.0'],
        [['replay', 'extra'], 'Unexpected argument'],
        [['sandbox', '--serve=yes'], '--serve'],
      ];
      for (const [argv, message] of cases) {
        const { out, context } = capture();
        expect(await main(argv, context), argv.join(' ')).to.equal(2);
        expect(out.stderr, argv.join(' ')).to.include(message);
      }
    });
  });

  describe('options every command shares', () => {
    it('takes --region and --profile anywhere on the line into AWS_REGION and AWS_PROFILE', () => {
      expect(takeAwsOptions(['--prefix', '/app', '--region', 'eu-west-1', '--profile=prod'], { AWS_REGION: 'us-east-1' })).to.deep.equal({
        args: ['--prefix', '/app'],
        env: { AWS_REGION: 'eu-west-1', AWS_PROFILE: 'prod' },
      });
      const env = { AWS_REGION: 'us-east-1' };
      expect(takeAwsOptions(['/app/db'], env).env).to.equal(env);
      expect(takeAwsOptions(['--', '--region', 'x'], env).args).to.deep.equal(['--', '--region', 'x']);
    });

    it('reads another name of an option as the option itself', () => {
      const spec = { 'max-tps': { type: 'string' } } as const;
      expect(parseOptions(['--max-wps', '5'], spec, 0, { 'max-wps': 'max-tps' }).values['max-tps']).to.equal('5');
      expect(parseOptions(['--max-wps=7'], spec, 0, { 'max-wps': 'max-tps' }).values['max-tps']).to.equal('7');
      expect(() => parseOptions(['--max-wsp', '5'], spec, 0, { 'max-wps': 'max-tps' })).to.throw(UsageError, 'did you mean --max-wps?');
    });

    it('prints the version, exit 0', async () => {
      const { out, context } = capture();
      expect(await main(['--version'], context)).to.equal(0);
      expect(out.stdout).to.match(/^figgy-events \d+\.\d+\.\d+/);
    });

    it('finds the name a typo was meant to be, and nothing for a word that is no typo', () => {
      expect(closestName('destinationPrefix', ['destinationPrefixes', 'sourcePrefixes'])).to.equal('destinationPrefixes');
      expect(closestName('--max-tsp', ['--max-tps', '--apply'])).to.equal('--max-tps');
      expect(closestName('Region', ['region'])).to.equal('region');
      expect(closestName('colour', ['region', 'prefix'])).to.equal(undefined);
    });

    it('says once and plainly that a Node before 22 is older than what it is tested on', () => {
      expect(nodeVersionNote('v20.20.2')).to.include('running on Node v20.20.2').and.include('Node 22');
      expect(nodeVersionNote('v22.0.0')).to.equal(undefined);
      expect(nodeVersionNote('v24.1.0')).to.equal(undefined);
    });
  });

  describe('plan table', () => {
    it('aligns columns, quotes values and shows masks bare', () => {
      const entries: PlanEntry[] = [
        {
          name: '/app/db/host',
          action: 'update',
          from: { type: 'String', value: 'db-3', version: 3 },
          to: { type: 'String', value: 'db-2', version: 2, changedAt: '2026-03-01T10:05:00.000Z', source: 'audit-log' },
          masked: false,
        },
        {
          name: '/app/db/password',
          action: 'unchanged',
          from: { type: 'SecureString', value: '********', version: 2 },
          to: { type: 'SecureString', value: '********', version: 2, changedAt: '2026-03-01T10:05:00.000Z', source: 'ssm-history' },
          masked: true,
        },
      ];
      const table = renderPlanTable(entries, { create: 0, update: 1, delete: 0, unchanged: 1, skipped: 0, unresolved: 0 });
      expect(table.split('\n')).to.deep.equal([
        'ACTION     NAME              NOW                       AT T                      NOTE',
        'update     /app/db/host      String "db-3" v3          String "db-2" v2          value from the audit log',
        'unchanged  /app/db/password  SecureString ******** v2  SecureString ******** v2',
        '',
        '0 to create, 1 to update, 0 to delete, 1 unchanged, 0 skipped (0 unresolved: cannot be restored)',
        '',
      ]);
    });
  });
});
