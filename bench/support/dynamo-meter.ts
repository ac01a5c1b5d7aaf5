/**
 * Counts what a DynamoDB client asks of the service: requests per operation, items the
 * service read (ScannedCount for Query and Scan, the items returned for GetItem and
 * BatchGetItem) and read capacity consumed. It sits in the client's middleware stack, so
 * the adapters under test run unchanged.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface Usage {
  readonly requests: number;
  readonly itemsRead: number;
  readonly readCapacityUnits: number;
  readonly byOperation: Readonly<Record<string, number>>;
}

interface CapacityOutput {
  readonly CapacityUnits?: number;
  readonly ReadCapacityUnits?: number;
}

interface ReadOutput {
  readonly Item?: unknown;
  readonly Responses?: Record<string, readonly unknown[]>;
  readonly ScannedCount?: number;
  readonly ConsumedCapacity?: CapacityOutput | readonly CapacityOutput[];
}

const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);

export class DynamoMeter {
  private requests = 0;
  private itemsRead = 0;
  private capacity = 0;
  private byOperation = new Map<string, number>();

  /** Adds the meter to `client`; every command sent through it (or a document client on it) counts. */
  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = context.commandName ?? 'unknown';
        const input = args.input as Record<string, unknown>;
        // Asking for capacity changes nothing else the service does.
        if (READS.has(operation)) input.ReturnConsumedCapacity ??= 'TOTAL';
        const result = await next(args);
        this.record(operation, result.output as ReadOutput);
        return result;
      },
      { step: 'initialize', name: 'benchDynamoMeter' },
    );
  }

  /** What was counted since the last call, and a fresh start. */
  take(): Usage {
    const usage = {
      requests: this.requests,
      itemsRead: this.itemsRead,
      readCapacityUnits: this.capacity,
      byOperation: Object.fromEntries(this.byOperation),
    };
    this.requests = 0;
    this.itemsRead = 0;
    this.capacity = 0;
    this.byOperation = new Map();
    return usage;
  }

  private record(operation: string, output: ReadOutput): void {
    this.requests++;
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
    if (!READS.has(operation)) return;
    if (output.ScannedCount !== undefined) this.itemsRead += output.ScannedCount;
    else if (output.Responses) this.itemsRead += Object.values(output.Responses).reduce((sum, items) => sum + items.length, 0);
    else if (output.Item) this.itemsRead += 1;
    const capacities = Array.isArray(output.ConsumedCapacity) ? output.ConsumedCapacity : [output.ConsumedCapacity];
    for (const capacity of capacities) {
      this.capacity += (capacity as CapacityOutput | undefined)?.CapacityUnits ?? 0;
    }
  }
}
