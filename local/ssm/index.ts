/**
 * The SSM Parameter Store + KMS + STS emulator of the local sandbox.
 */
export { startSsmEmulator } from './emulator.ts';
export { toEventBridgeEvent, HIDDEN_VALUE } from './cloudtrail.ts';
export { seededRandom, DEFAULT_RATE_LIMITS } from './faults.ts';
export { DEFAULT_SSM_KEY_ID, KEY_ID_FORMS } from './kms.ts';
export type {
  CloudTrailDetail,
  CloudTrailUserIdentity,
  FaultOptions,
  KeyIdForm,
  ParameterSnapshot,
  ParameterTier,
  QueueDepths,
  QueueRef,
  Principal,
  RateLimits,
  RegionAndAccount,
  SsmApiCallEvent,
  SsmEmulator,
  SsmEmulatorOptions,
  WriteListener,
} from './types.ts';
