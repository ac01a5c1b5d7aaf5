/**
 * EventBridge and Lambda's asynchronous invocation, on one machine: each event that matches
 * the rule goes to every target; a failed invocation is retried twice, then the event lands
 * in the dead-letter list with the error, as the on-failure destination would receive it.
 */
import { messageOf } from '../shared/log.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FunctionName } from '../shared/functions.ts';
import { matchesPattern } from './event-pattern.ts';
import type { DeadLetter } from './types.ts';

export interface EventBusOptions {
  readonly pattern: Readonly<Record<string, unknown>>;
  readonly targets: readonly FunctionName[];
  readonly invoke: (target: FunctionName, event: unknown) => Promise<unknown>;
  readonly onDeadLetter: (letter: DeadLetter) => void;
  /** Lambda retries an async invocation twice after the first failure. */
  readonly retryAttempts?: number;
  /** Delay before each retry; Lambda waits minutes, the sandbox milliseconds. */
  readonly retryDelayMs?: number;
  readonly delivery?: DeliveryFaults;
  readonly random?: () => number;
}

export interface DeliveryFaults {
  /** Every event is delivered this many times (at-least-once delivery made visible). */
  readonly duplicates?: number;
  /** Events are held briefly and released in random order. */
  readonly shuffle?: boolean;
  /**
   * Fraction (0..1) of events dropped before any target sees them, as EventBridge's
   * best-effort delivery of CloudTrail events may: only the event history still has them.
   */
  readonly lost?: number;
}

/** The sandbox's default rule: CloudTrail events in, function invocations out. */
export class EventBus {
  private inFlight = 0;
  private held: unknown[] = [];
  private idleWaiters: (() => void)[] = [];
  private releaseTimer: NodeJS.Timeout | undefined;
  private delivery: DeliveryFaults;

  constructor(private readonly options: EventBusOptions) {
    this.delivery = checkedDelivery({ ...options.delivery });
  }

  setDelivery(delivery: DeliveryFaults): void {
    this.delivery = checkedDelivery({ ...this.delivery, ...delivery });
  }

  /** Offers one event to the rule; returns whether it matched. */
  publish(event: unknown): boolean {
    if (!matchesPattern(event, this.options.pattern)) return false;
    // Lost whole, before the rule hands it to any target.
    if ((this.delivery.lost ?? 0) > 0 && (this.options.random ?? Math.random)() < (this.delivery.lost ?? 0)) return true;
    const copies = Math.max(1, this.delivery.duplicates ?? 1);
    for (let copy = 0; copy < copies; copy++) {
      if (this.delivery.shuffle) this.hold(event);
      else this.deliver(event);
    }
    return true;
  }

  /** Resolves once every event has been delivered, retried or dead-lettered. */
  async idle(): Promise<void> {
    this.release();
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  get busy(): boolean {
    return this.inFlight > 0 || this.held.length > 0;
  }

  private hold(event: unknown): void {
    this.held.push(event);
    this.releaseTimer ??= setTimeout(() => this.release(), 25);
  }

  private release(): void {
    clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
    const events = this.held;
    this.held = [];
    const random = this.options.random ?? Math.random;
    for (let index = events.length - 1; index > 0; index--) {
      const other = Math.floor(random() * (index + 1));
      [events[index], events[other]] = [events[other], events[index]];
    }
    for (const event of events) this.deliver(event);
  }

  private deliver(event: unknown): void {
    for (const target of this.options.targets) {
      this.inFlight++;
      void this.invokeWithRetries(target, event).finally(() => {
        this.inFlight--;
        if (this.inFlight === 0 && this.held.length === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  private async invokeWithRetries(target: FunctionName, event: unknown): Promise<void> {
    const attempts = 1 + (this.options.retryAttempts ?? 2);
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.options.invoke(target, event);
        return;
      } catch (error) {
        lastError = error;
        if (attempt < attempts) await sleep((this.options.retryDelayMs ?? 50) * attempt);
      }
    }
    this.options.onDeadLetter({
      source: 'event-rule',
      functionName: target,
      payload: event,
      error: messageOf(lastError),
      attempts,
    });
  }
}

function checkedDelivery(delivery: DeliveryFaults): DeliveryFaults {
  const lost = delivery.lost;
  if (lost !== undefined && !(lost >= 0 && lost <= 1)) throw new RangeError(`lostDelivery must be between 0 and 1, got ${lost}`);
  return delivery;
}
