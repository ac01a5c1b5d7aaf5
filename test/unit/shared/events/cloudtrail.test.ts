import { expect } from 'chai';
import { parseSsmEvent } from '../../../../shared/events/cloudtrail.ts';
import { ValidationError } from '../../../../shared/events/validation.ts';
import { fixture, putEvent } from '../../support/events.ts';

describe('CloudTrail SSM events', () => {
  it('turns a PutParameter into one put with its version, type and session user', () => {
    const [change, ...rest] = parseSsmEvent(fixture('put-parameter'));
    expect(rest).to.be.empty;
    expect(change).to.deep.include({
      kind: 'put',
      action: 'PutParameter',
      name: '/app/orders/db/password',
      type: 'SecureString',
      version: 3,
      eventId: 'b6f2a2a0-3c2e-4a57-9b56-0a1e0f6d7c01',
      eventTime: Date.parse('2026-11-26T10:15:42Z'),
      account: '123456789012',
      region: 'eu-west-1',
      description: 'orders database password',
    });
    expect(change?.author).to.deep.equal({
      name: 'alice',
      arn: 'arn:aws:sts::123456789012:assumed-role/platform-admin/alice',
    });
  });

  it('normalises a parameter ARN to its name and names an IAM user by user name', () => {
    const [change] = parseSsmEvent(fixture('delete-parameter'));
    expect(change).to.deep.include({ kind: 'delete', action: 'DeleteParameter', name: '/app/orders/legacy-flag' });
    expect(change?.author.name).to.equal('bob');
  });

  it('names a root-level parameter /x however the call spelled it: x, /x or its ARN', () => {
    for (const name of ['toplevel', '/toplevel', 'arn:aws:ssm:eu-west-1:123456789012:parameter/toplevel']) {
      const event = fixture('delete-parameter');
      event.detail.requestParameters = { name };
      expect(parseSsmEvent(event)[0]?.name, name).to.equal('/toplevel');
    }
    const deletes = fixture('delete-parameters');
    deletes.detail.requestParameters = { names: ['a', '/b'] };
    deletes.detail.responseElements = { invalidParameters: [], deletedParameters: ['a', '/b'] };
    expect(parseSsmEvent(deletes).map((change) => change.name)).to.deep.equal(['/a', '/b']);
  });

  it('rejects an ARN that names no parameter, naming the field', () => {
    const event = fixture('delete-parameter');
    event.detail.requestParameters = { name: 'arn:aws:ssm:eu-west-1:123456789012:parameter/' };
    expect(() => parseSsmEvent(event))
      .to.throw(ValidationError, 'names no parameter')
      .with.property('field', 'detail.requestParameters.name');
  });

  it('rejects a name longer than SSM allows, counted on its ARN as SSM counts it', () => {
    // arn:aws:ssm:eu-west-1:123456789012:parameter is 44 characters; SSM allows 1011 in all.
    const longest = `/${'x'.repeat(1011 - 44 - 1)}`;
    expect(parseSsmEvent(putEvent({ name: longest, version: 1 }))[0]?.name).to.equal(longest);
    expect(() => parseSsmEvent(putEvent({ name: `${longest}y`, version: 1 })))
      .to.throw(ValidationError, 'SSM allows at most 1011')
      .with.property('field', 'detail.requestParameters.name');
    const arn = fixture('delete-parameter');
    arn.detail.requestParameters = { name: `arn:aws-us-gov:ssm:eu-west-1:123456789012:parameter${longest}` };
    expect(() => parseSsmEvent(arn)).to.throw(ValidationError, 'SSM allows at most 1011');
  });

  it('rejects a DeleteParameters of more than 10 names, naming the field', () => {
    const names = Array.from({ length: 11 }, (_, index) => `/app/p${index}`);
    const event = fixture('delete-parameters');
    event.detail.requestParameters = { names };
    event.detail.responseElements = null;
    expect(() => parseSsmEvent(event))
      .to.throw(ValidationError, 'has 11 names; DeleteParameters takes at most 10')
      .with.property('field', 'detail.requestParameters.names');
    event.detail.requestParameters = { names: names.slice(0, 10) };
    event.detail.responseElements = { invalidParameters: [], deletedParameters: names };
    expect(() => parseSsmEvent(event)).to.throw(ValidationError).with.property('field', 'detail.responseElements.deletedParameters');
  });

  it('yields one delete per name DeleteParameters really deleted, by root', () => {
    const changes = parseSsmEvent(fixture('delete-parameters'));
    expect(changes.map((change) => change.name)).to.deep.equal(['/app/a', '/app/b']);
    expect(changes.every((change) => change.action === 'DeleteParameters' && change.author.name === 'root')).to.be.true;
  });

  it('falls back to requested names minus invalid ones when deletedParameters is absent', () => {
    const event = fixture('delete-parameters');
    event.detail.responseElements = { invalidParameters: ['/app/b'] };
    expect(parseSsmEvent(event).map((change) => change.name)).to.deep.equal(['/app/a', '/app/never-existed']);
  });

  it('skips failed calls and throttled calls with null requestParameters', () => {
    expect(parseSsmEvent(fixture('put-parameter-throttled'))).to.be.empty;
    expect(parseSsmEvent(fixture('put-parameter-already-exists'))).to.be.empty;
  });

  it('names the invoking service when a service made the call', () => {
    const event = fixture('put-parameter-already-exists');
    delete event.detail.errorCode;
    delete event.detail.errorMessage;
    event.detail.responseElements = { version: 1 };
    expect(parseSsmEvent(event)[0]?.author).to.deep.equal({ name: 'cloudformation.amazonaws.com' });
  });

  const broken: [string, (event: ReturnType<typeof fixture>) => void][] = [
    ['detail', (event) => delete (event as Record<string, unknown>).detail],
    ['detail.eventID', (event) => delete event.detail.eventID],
    ['detail.eventTime', (event) => (event.detail.eventTime = 'yesterday')],
    ['detail.eventName', (event) => (event.detail.eventName = 'GetParameter')],
    ['detail.requestParameters.name', (event) => ((event.detail.requestParameters as Record<string, unknown>).name = 42)],
    ['detail.requestParameters.type', (event) => ((event.detail.requestParameters as Record<string, unknown>).type = 'Blob')],
    ['detail.responseElements.version', (event) => (event.detail.responseElements = { version: 'three' })],
    ['detail.userIdentity', (event) => delete event.detail.userIdentity],
    ['account', (event) => delete event.account],
  ];
  for (const [field, breakIt] of broken) {
    it(`rejects an event with a bad ${field}, naming the field`, () => {
      const event = fixture('put-parameter');
      breakIt(event);
      expect(() => parseSsmEvent(event)).to.throw(ValidationError).with.property('field', field);
    });
  }

  it('rejects a DeleteParameters whose names is not a list, before yielding anything', () => {
    const event = fixture('delete-parameters');
    event.detail.requestParameters = { names: '/app/a' };
    event.detail.responseElements = null;
    expect(() => parseSsmEvent(event)).to.throw(ValidationError, 'detail.requestParameters.names');
  });

  it('rejects an event dated beyond a few minutes of clock skew, so it cannot freeze later state', () => {
    const event = putEvent({ name: '/a', version: 1, time: '9999-12-31T23:59:59Z' });
    expect(() => parseSsmEvent(event)).to.throw(ValidationError, 'ahead of now').with.property('field', 'detail.eventTime');
    const now = Date.parse('2026-11-26T10:00:00Z');
    const skewed = putEvent({ name: '/a', version: 1, time: '2026-11-26T10:04:00Z' });
    expect(parseSsmEvent(skewed, now)).to.have.length(1);
    const tooFar = putEvent({ name: '/a', version: 1, time: '2026-11-26T10:06:00Z' });
    expect(() => parseSsmEvent(tooFar, now)).to.throw(ValidationError, 'ahead of now');
  });

  it('rejects an event dated before Parameter Store existed', () => {
    const event = putEvent({ name: '/a', version: 1, time: '1970-01-01T00:00:00Z' });
    expect(() => parseSsmEvent(event)).to.throw(ValidationError, 'before Parameter Store existed');
  });

  it('reads a put without responseElements as a put of unknown version', () => {
    const event = putEvent({ name: '/a', version: 1 });
    event.detail.responseElements = null;
    expect(parseSsmEvent(event)[0]).to.include({ kind: 'put', version: undefined });
  });
});
