/**
 * Runs the built function bundles, one worker thread per function, each with its own
 * environment, the way Lambda gives each function its own execution environment.
 */
import { Worker } from 'node:worker_threads';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { FunctionName } from '../shared/functions.ts';

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
  /** Every log line a function writes, as it writes it. */
  readonly onLog: (functionName: FunctionName, line: string) => void;
  /** Fraction of invocations that fail before the handler runs, like a crashed runtime. */
  readonly crashRate?: number;
  readonly random?: () => number;
  readonly timeoutMs?: number;
  /**
   * Invocations of one function running at once; more wait their turn. Lambda runs each in
   * an environment of its own and caps concurrency per account; one worker running thousands
   * of a burst's events at once would instead hold all their requests in one heap.
   * @defaultValue 32
   */
  readonly maxConcurrency?: number;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** The functions of one sandbox, ready to invoke. */
export class FunctionHost {
  private readonly workers = new Map<FunctionName, Worker>();
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
    await Promise.all(
      (Object.keys(options.bundles) as FunctionName[]).map((name) => host.startWorker(name)),
    );
    return host;
  }

  setCrashRate(rate: number): void {
    this.crashRate = rate;
  }

  /** Invokes a function and resolves with what it returned; rejects with {@link InvocationError}. */
  invoke(functionName: FunctionName, event: unknown): Promise<unknown> {
    const worker = this.workers.get(functionName);
    if (!worker) return Promise.reject(new Error(`no function ${functionName} in this sandbox`));
    if (this.crashRate > 0 && (this.options.random ?? Math.random)() < this.crashRate) {
      return Promise.reject(
        new InvocationError(functionName, { name: 'Runtime.ExitError', message: 'injected crash before the handler ran' }),
      );
    }
    return this.inTurn(functionName, () => {
      const id = this.nextId++;
      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        worker.postMessage({ id, event, timeoutMs: this.options.timeoutMs ?? 60_000 });
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
    await Promise.all([...this.workers.values()].map((worker) => worker.terminate()));
    this.workers.clear();
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
    this.workers.set(functionName, worker);
    return new Promise((ready, failed) => {
      worker.once('error', failed);
      worker.on('message', (message: { ready?: boolean; id?: number; ok?: boolean; result?: unknown; error?: InvocationFailure }) => {
        if (message.ready) {
          worker.off('error', failed);
          ready();
          return;
        }
        const pending = this.pending.get(message.id as number);
        if (!pending) return;
        this.pending.delete(message.id as number);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(new InvocationError(functionName, message.error as InvocationFailure));
      });
    });
  }

  private pipeLines(functionName: FunctionName, stream: Readable): void {
    createInterface({ input: stream }).on('line', (line) => this.options.onLog(functionName, line));
  }
}
