/**
 * Stands in for `@smithy/signature-v4`'s `HeaderFormatter` module in the function bundles (the
 * `lambdaStandIns` plugin of scripts/lambda-sdk-plugins.ts loads it in its place). The signer
 * makes one for every instance but uses it only to sign event-stream messages; SSM, DynamoDB
 * and STS have no event-stream operation (see no-event-streams.ts), so its 2 KB are left out,
 * and this says so should it ever be reached.
 */
import { InvariantError } from '../../shared/errors.ts';

function unsupported(): never {
  throw new InvariantError('event streams are not bundled: no operation of SSM, DynamoDB or STS signs an event-stream message');
}

export class HeaderFormatter {
  format(_headers: unknown): never {
    unsupported();
  }
}

export class Int64 {
  constructor() {
    unsupported();
  }
}
