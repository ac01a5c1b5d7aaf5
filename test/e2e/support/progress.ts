/**
 * Progress of a long end-to-end test, printed under its title: a test that says nothing for
 * minutes looks hung, and a hung one looks like a slow one.
 */
import type { Sandbox } from '../../../local/index.ts';

/** Where a long test is: a line per stage, and the sandbox's counts every `everyMs` between. */
export interface TestProgress {
  stage(text: string): void;
  stop(): void;
}

// Indented as mocha's spec reporter indents a test's own output.
const INDENT = '      ';

/**
 * Reports `label`'s progress on `sandbox`: how many SSM calls, function log lines and dead
 * letters so far, every 15 s, and each {@link TestProgress.stage} as it is reached. Only
 * printed, never asserted: the time it takes depends on the machine.
 *
 * @example
 * const progress = sandboxProgress('20% throttled', sandbox);
 * try { ...; progress.stage('writes done, settling'); ... } finally { progress.stop(); }
 */
export function sandboxProgress(label: string, sandbox: Sandbox, everyMs = 15_000): TestProgress {
  const started = performance.now();
  const line = (text: string) => console.log(`${INDENT}${label}, ${Math.round((performance.now() - started) / 1000)} s: ${text}`);
  const counts = () => {
    const calls = Object.values(sandbox.ssm.callCounts()).reduce((sum, count) => sum + count, 0);
    return `${calls} SSM calls, ${sandbox.logs().length} function log lines, ${sandbox.deadLetters().length} dead letters`;
  };
  const timer = setInterval(() => line(counts()), everyMs);
  timer.unref();
  return {
    stage: (text) => line(`${text} (${counts()})`),
    stop: () => clearInterval(timer),
  };
}
