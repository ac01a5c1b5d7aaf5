import { expect } from 'chai';
import { readableLine } from '../../../local/log-echo.ts';

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ timestamp: '2026-01-01T00:00:00Z', service: 'x', cold_start: false, function_request_id: 'r', sampling_rate: 0, ...fields });

describe('the sandbox\'s log echo', () => {
  it('shows a warning as one line: level, function, message and its own fields, without the logger\'s', () => {
    expect(readableLine('replication-syncer', line({ level: 'WARN', message: 'mapping refused', destination: '/x', count: 2 }), false)).to.equal(
      'WARN  replication-syncer: mapping refused (destination=/x count=2)',
    );
  });

  it('shows an error by its name and message, not its stack', () => {
    const text = readableLine('parameter-store-auditor', line({ level: 'ERROR', message: 'failed', error: { name: 'AccessDeniedException', message: 'no', stack: 'at ...' } }), false);
    expect(text).to.equal('ERROR parameter-store-auditor: failed (error=AccessDeniedException: no)');
  });

  it('leaves out INFO and DEBUG lines unless every line is asked for', () => {
    const info = line({ level: 'INFO', message: 'recorded' });
    expect(readableLine('parameter-store-auditor', info, false)).to.equal(undefined);
    expect(readableLine('parameter-store-auditor', info, true)).to.equal('INFO  parameter-store-auditor: recorded');
  });

  it('shows a line that is not the logger\'s JSON as it is', () => {
    expect(readableLine('config-cache-manager', 'Error: boom', false)).to.equal('      config-cache-manager: Error: boom');
  });
});
