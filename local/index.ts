/**
 * The local sandbox's public interface; tests outside the project rely on it, so it is kept
 * stable.
 */
export { startSandbox } from './sandbox.ts';
export type { FunctionLogLine, Sandbox, SandboxFaults, SandboxOptions, ScheduledFunction } from './sandbox.ts';
export type { DeadLetter } from './types.ts';
