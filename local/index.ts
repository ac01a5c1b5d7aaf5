/**
 * `figgy-events/sandbox`: the whole pipeline on one machine. Teams' own end-to-end tests rely
 * on it, so it is public API, versioned like the construct.
 */
export { startSandbox } from './sandbox.ts';
export type { FunctionLogLine, Sandbox, SandboxFaults, SandboxFunctionSettings, SandboxOptions, SandboxSettings, ScheduledFunction } from './sandbox.ts';
export type { SyncOutcome } from '../shared/sync/sync-pass.ts';
export type { DeadLetter } from './types.ts';
export type { SandboxCredentials } from './replica-hosting.ts';
export type { RevokedTableGrant } from './deployed-iam.ts';
export type { ReplicaTarget } from '../shared/replication/replica-targets.ts';
export type {
  CloudTrailDetail,
  CloudTrailUserIdentity,
  FaultOptions,
  KeyIdForm,
  ParameterSnapshot,
  ParameterTier,
  Principal,
  RateLimits,
  RegionAndAccount,
  SsmApiCallEvent,
  SsmEmulator,
  WriteListener,
} from './ssm/index.ts';
export type { FunctionBundleOptions } from '../stacks/function-bundles.ts';
export type { FunctionName, ScheduledFunctionName, TableOperation } from '../shared/functions.ts';
export type { TableRole } from '../shared/tables.ts';
export type { ParameterType } from '../shared/parameters.ts';
export type { SsmEventName } from '../shared/events/pattern.ts';
