/**
 * CloudTrail's event history of the emulator's writes, through the real CloudTrail client:
 * LookupEvents as its API reference describes it, and the audit syncer's adapter over it.
 */
import { CloudTrailClient, LookupEventsCommand, type LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import { DeleteParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { expect } from 'chai';
import { CloudTrailEventHistory } from '../../shared/aws/cloudtrail-event-history.ts';
import { HistoryTokenRejectedError } from '../../shared/audit/event-history.ts';
import { parseCloudTrailRecord } from '../../shared/events/cloudtrail.ts';
import { startSsmEmulator, type SsmEmulator } from '../../local/ssm/index.ts';
import { rejectionOf } from '../support/rejection.ts';

const REGION = 'eu-west-1';

describe('ssm emulator: CloudTrail event history (LookupEvents)', () => {
  let emulator: SsmEmulator;
  let now = Date.parse('2026-11-26T12:00:00Z');
  let quota = 0;
  let ssm: SSMClient;
  let cloudTrail: CloudTrailClient;

  const send = (input: LookupEventsCommandInput) => {
    // Each call a second apart on the quota's clock, unless a test holds it still.
    quota += 1000;
    return cloudTrail.send(new LookupEventsCommand(input));
  };
  const byName = (name: string) => [{ AttributeKey: 'EventName' as const, AttributeValue: name }];

  before(async () => {
    emulator = await startSsmEmulator({ region: REGION, clock: () => new Date(now), quotaClock: () => quota });
    const credentials = { accessKeyId: 'alice', secretAccessKey: 'x' };
    ssm = new SSMClient({ endpoint: emulator.url, region: REGION, credentials, maxAttempts: 1 });
    cloudTrail = new CloudTrailClient({ endpoint: emulator.url, region: REGION, credentials, maxAttempts: 1 });
    for (let index = 0; index < 5; index++) {
      now += 1000;
      await ssm.send(new PutParameterCommand({ Name: `/app/p${index}`, Value: 'v', Type: 'String' }));
    }
    now += 1000;
    await ssm.send(new DeleteParametersCommand({ Names: ['/app/p0', '/app/missing'] }));
    now += 1000;
    // Fails: the parameter exists. CloudTrail records failed calls too.
    await ssm.send(new PutParameterCommand({ Name: '/app/p1', Value: 'v', Type: 'String' })).catch(() => undefined);
  });

  after(async () => {
    ssm.destroy();
    cloudTrail.destroy();
    await emulator.stop();
  });

  it('lists the writes newest first, each with its whole CloudTrail record, as the parser reads it', async () => {
    const { Events = [] } = await send({ LookupAttributes: byName('PutParameter') });
    expect(Events.map((event) => event.Resources?.[0]?.ResourceName)).to.deep.equal(['/app/p1', '/app/p4', '/app/p3', '/app/p2', '/app/p1', '/app/p0']);
    const [failed, newest] = Events;
    expect(newest).to.deep.include({ EventName: 'PutParameter', EventSource: 'ssm.amazonaws.com', ReadOnly: 'false', Username: 'alice' });
    expect(newest?.EventTime?.getTime()).to.equal(now - 2000);
    const record = JSON.parse(newest?.CloudTrailEvent ?? '{}') as Record<string, unknown>;
    expect(record).to.deep.include({ eventID: newest?.EventId, awsRegion: REGION, recipientAccountId: emulator.account });
    expect(parseCloudTrailRecord(record, now).map((change) => [change.name, change.kind, change.author.name])).to.deep.equal([['/app/p4', 'put', 'alice']]);
    expect(parseCloudTrailRecord(JSON.parse(failed?.CloudTrailEvent ?? '{}'), now)).to.deep.equal([]);
  });

  it('filters on one attribute and a time window, both ends included', async () => {
    const { Events: deletes = [] } = await send({ LookupAttributes: byName('DeleteParameters') });
    expect(deletes.map((event) => event.Resources?.map((resource) => resource.ResourceName))).to.deep.equal([['/app/p0', '/app/missing']]);
    const start = Date.parse('2026-11-26T12:00:02Z');
    const { Events: window = [] } = await send({ StartTime: new Date(start), EndTime: new Date(start + 1000) });
    expect(window.map((event) => event.Resources?.[0]?.ResourceName)).to.deep.equal(['/app/p2', '/app/p1']);
    const { Events: one = [] } = await send({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: '/app/p3' }] });
    expect(one).to.have.length(1);
  });

  it('pages with NextToken, good only for the query that made it', async () => {
    const first = await send({ LookupAttributes: byName('PutParameter'), MaxResults: 4 });
    expect(first.Events).to.have.length(4);
    const second = await send({ LookupAttributes: byName('PutParameter'), MaxResults: 4, NextToken: first.NextToken });
    expect(second.Events).to.have.length(2);
    expect(second.NextToken).to.equal(undefined);
    const refused = await rejectionOf(send({ LookupAttributes: byName('DeleteParameter'), MaxResults: 4, NextToken: first.NextToken }));
    expect(refused).to.have.property('name', 'InvalidNextTokenException');
  });

  it('refuses what CloudTrail refuses, by its error names', async () => {
    const twoAttributes = await rejectionOf(send({ LookupAttributes: [...byName('PutParameter'), ...byName('DeleteParameter')] }));
    expect(twoAttributes).to.have.property('name', 'InvalidLookupAttributesException');
    expect(await rejectionOf(send({ MaxResults: 51 }))).to.have.property('name', 'InvalidMaxResultsException');
    expect(await rejectionOf(send({ StartTime: new Date(now), EndTime: new Date(now - 1000) }))).to.have.property('name', 'InvalidTimeRangeException');
  });

  it('answers two lookups a second per region and account, and throttles the third as AWS does', async () => {
    quota += 5000;
    const burst = await Promise.allSettled([1, 2, 3].map(() => cloudTrail.send(new LookupEventsCommand({}))));
    expect(burst.map((result) => result.status)).to.deep.equal(['fulfilled', 'fulfilled', 'rejected']);
    expect((burst[2] as PromiseRejectedResult).reason).to.have.property('name', 'ThrottlingException');
  });

  it('serves the audit syncer through its adapter, and says when a token is refused', async () => {
    quota += 5000;
    const history = new CloudTrailEventHistory(cloudTrail);
    const page = await history.page({ eventName: 'DeleteParameters', from: now - 60_000, to: now });
    expect(page.events.map((event) => event.eventTime)).to.deep.equal([now - 1000]);
    quota += 1000;
    const refused = await rejectionOf(history.page({ eventName: 'PutParameter', from: now - 60_000, to: now }, 'bm90IGEgdG9rZW4='));
    expect(refused).to.be.instanceOf(HistoryTokenRejectedError);
  });
});
