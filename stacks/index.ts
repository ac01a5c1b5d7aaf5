/**
 * `figgy-events`: the FiggyEvents construct, its props, every type its public members expose,
 * and the errors a caller may catch.
 */
export { FiggyEvents } from './figgy-events.ts';
export { FiggyReplicaTarget, type FiggyReplicaTargetProps, type ReplicaSource, type ReplicaWriterRole } from './replica-target.ts';
export type { ReplicaTarget } from '../shared/replication/replica-targets.ts';
export type * from './types.ts';
export { FiggyEventsConfigError } from './config-error.ts';
export type { ResolvedSettings, ResolvedFunctionSettings } from './settings.ts';
export type { ResolvedMonitoring } from './monitoring.ts';
export { MissingBundleError, type FunctionBundle, type FunctionBundleOptions } from './function-bundles.ts';
export { FiggyEventsError, InvariantError, SetupError, UnsupportedUseError } from '../shared/errors.ts';
export type { FiggyTables } from './tables.ts';
export type { FiggyFunction, FiggyFunctionProps } from './function.ts';
export type { SsmEventRule, SsmEventRuleProps, TargetRetry } from './triggers.ts';
export type { AuditTrail, AuditTrailProps } from './trail.ts';
export type { DeadLetterQueue, DeadLetterQueueProps } from './dead-letter-queue.ts';
export type { PolicyDocument, PolicyStatement } from './policy-documents.ts';
export type { FunctionName } from '../shared/functions.ts';
export type { TableRole } from '../shared/tables.ts';
