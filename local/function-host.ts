/**
 * Runs the built function bundles, one worker thread per function, each with its own
 * environment, the way Lambda gives each function its own execution environment, and holds
 * each invocation to the function's timeout, as Lambda does.
 */
import { Worker } from 'node:worker_threads';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { FunctionName } from '../shared/functions.ts';
import { UnsupportedUseError } from '../shared/errors.ts';

export interface InvocationFailure {
  readonly name: string;
  readonly message: string;
}

/** A function returned an error (or was made to crash): what Lambda would report. */
export class InvocationError extends Error {
  constructor(
    readonly functionName: FunctionName,
    readonly failure: InvocationFailure,
  ) {
    super(`${functionName} failed: ${failure.name}: ${failure.message}`);
    this.name = 'InvocationError';
  }
}

export interface FunctionHostOptions {
  /** Bundle file of each function (an ESM `.mjs` exporting `handler`). */
  readonly bundles: Readonly<Record<FunctionName, string>>;
  /** The environment each function gets; the construct gives the same. */
  readonly environments: Readonly<Record<FunctionName, Record<string, string>>>;
  /**
   * Each function's Lambda timeout, in seconds: `getRemainingTimeInMillis()` counts down from
   * it, and an invocation still running at the end fails with `Sandbox.Timedout`.
   */
  readonly timeoutSeconds: Readonly<Record<FunctionName, number>>;
  /** Every log line a function writes, as it writes it. */
  readonly onLog: (functionName: FunctionName, line: string) => void;
  /** Fraction of invocations that fail before the handler runs, like a crashed runtime. */
  readonly crashRate?: number;
  readonly random?: () => number;
  /**
   * Invocations of one function running at once; more wait their turn. Lambda runs each in
   * an environment of its own and caps concurrency per account; one worker running thousands
   * of a burst's events at once would instead hold all their requests in one heap.
   * @defaultValue 32
   */
  readonly maxConcurrency?: number;
}

/** One function's worker: its execution environment, once the bundle has loaded. */
interface Environment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
}

interface Pending {
  readonly functionName: FunctionName;
  readonly worker: Worker;
  readonly timer: NodeJS.Timeout;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** The functions of one sandbox, ready to invoke. */
export class FunctionHost {
  private readonly workers = new Map<FunctionName, Environment>();
  private readonly pending = new Map<number, Pending>();
  private readonly running = new Map<FunctionName, number>();
  private readonly waiting = new Map<FunctionName, (() => void)[]>();
  private nextId = 0;
  private crashRate: number;

  private constructor(private readonly options: FunctionHostOptions) {
    this.crashRate = options.crashRate ?? 0;
  }

  static async start(options: FunctionHostOptions): Promise<FunctionHost> {
    const host = new FunctionHost(options);
    try {
      await Promise.all((Object.keys(options.bundles) as FunctionName[]).map((name) => host.startWorker(name)));
    } catch (error) {
      await host.stop();
      throw error;
    }
    return host;
  }

  setCrashRate(rate: number): void {
    this.crashRate = rate;
  }

  /** Invokes a function and resolves with what it returned; rejects with {@link InvocationError}. */
  invoke(functionName: FunctionName, event: unknown): Promise<unknown> {
    if (!this.workers.has(functionName)) return Promise.reject(new UnsupportedUseError(`no function ${functionName} in this sandbox`));
    if (this.crashRate > 0 && (this.options.random ?? Math.random)() < this.crashRate) {
      return Promise.reject(
        new InvocationError(functionName, { name: 'Runtime.ExitError', message: 'injected crash before the handler ran' }),
      );
    }
    return this.inTurn(functionName, async () => {
      // Read when its turn comes: the worker may have been replaced while it waited.
      const { worker, ready } = this.workers.get(functionName)!;
      await ready;
      const id = this.nextId++;
      // Unique across worker restarts: the syncers' job lease is held by the request id.
      const requestId = `sandbox-${functionName}-${id}`;
      const timeoutMs = this.options.timeoutSeconds[functionName] * 1000;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => this.timedOut(id, requestId), timeoutMs);
        this.pending.set(id, { functionName, worker, timer, resolve, reject });
        worker.postMessage({ id, event, requestId, deadline: Date.now() + timeoutMs });
      });
    });
  }

  /** Runs `call` once fewer than `maxConcurrency` invocations of the function are running. */
  private async inTurn<T>(functionName: FunctionName, call: () => Promise<T>): Promise<T> {
    const running = this.running.get(functionName) ?? 0;
    if (running >= (this.options.maxConcurrency ?? 32)) {
      // The slot is handed over by the invocation that ends, so the count never overshoots.
      await new Promise<void>((turn) => {
        const queue = this.waiting.get(functionName) ?? [];
        queue.push(turn);
        this.waiting.set(functionName, queue);
      });
    } else {
      this.running.set(functionName, running + 1);
    }
    try {
      return await call();
    } finally {
      const next = this.waiting.get(functionName)?.shift();
      if (next) next();
      else this.running.set(functionName, (this.running.get(functionName) ?? 1) - 1);
    }
  }

  async stop(): Promise<void> {
    for (const pending of this.pending.values()) clearTimeout(pending.timer);
    await Promise.all([...this.workers.values()].map(({ worker }) => worker.terminate()));
    this.workers.clear();
  }

  /**
   * Lambda ends an invocation at its timeout by ending its execution environment. Here that
   * is the function's one worker, so it is terminated and a new one started (a cold start):
   * unlike Lambda, where every invocation has an environment of its own, the function's other
   * invocations still in flight end with it, and fail too.
   */
  private timedOut(id: number, requestId: string): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    const { functionName, worker } = pending;
    const seconds = this.options.timeoutSeconds[functionName].toFixed(2);
    this.settle(id, (own) =>
      own.reject(new InvocationError(functionName, { name: 'Sandbox.Timedout', message: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds` })),
    );
    for (const [other, each] of [...this.pending]) {
      if (each.worker !== worker) continue;
      this.settle(other, (own) =>
        own.reject(
          new InvocationError(functionName, {
            name: 'Sandbox.WorkerRestarted',
            message: `ended with ${functionName}'s worker when ${requestId} timed out (on Lambda it would have run on in its own environment)`,
          }),
        ),
      );
    }
    if (this.workers.get(functionName)?.worker === worker) {
      void worker.terminate();
      // A worker that cannot start again fails the invocations that wait for it.
      this.startWorker(functionName).catch(() => undefined);
    }
  }

  private settle(id: number, end: (pending: Pending) => void): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    end(pending);
  }

  private startWorker(functionName: FunctionName): Promise<void> {
    const worker = new Worker(new URL('./lambda-worker.mjs', import.meta.url), {
      workerData: { bundle: this.options.bundles[functionName], functionName },
      env: { ...this.options.environments[functionName] },
      stdout: true,
      stderr: true,
    });
    this.pipeLines(functionName, worker.stdout);
    this.pipeLines(functionName, worker.stderr);
    const ready = new Promise<void>((loaded, failed) => {
      worker.once('error', failed);
      worker.on('message', (message: { ready?: boolean; id?: number; ok?: boolean; result?: unknown; error?: InvocationFailure }) => {
        if (message.ready) {
          worker.off('error', failed);
          loaded();
          return;
        }
        this.settle(message.id as number, (pending) => {
          if (message.ok) pending.resolve(message.result);
          else pending.reject(new InvocationError(functionName, message.error as InvocationFailure));
        });
      });
    });
    this.workers.set(functionName, { worker, ready });
    return ready;
  }

  private pipeLines(functionName: FunctionName, stream: Readable): void {
    createInterface({ input: stream }).on('line', (line) => this.options.onLog(functionName, line));
  }
}
