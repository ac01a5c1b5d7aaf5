/**
 * Stands in for `@smithy/core/event-streams` in the function bundles (scripts/bundle-handlers.ts aliases
 * it). The SDK's HTTP protocols import event-stream support on demand, but a single-file
 * bundle inlines every dynamic import; SSM, DynamoDB and KMS have no event-stream operation,
 * so its 15 KB are left out, and this says so should it ever be reached.
 */
import { InvariantError } from '../../shared/errors.ts';

function unsupported(): never {
  throw new InvariantError('event streams are not bundled: no operation of SSM, DynamoDB or KMS uses one');
}

export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}

export const eventStreamSerdeProvider = (): never => unsupported();
