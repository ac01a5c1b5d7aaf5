/**
 * A plan as people and scripts see it: values shown, secrets masked.
 */
import { MASK, isSecretType } from '../audit/masking.ts';
import type { ParameterType } from '../parameters.ts';
import type { PlanEntry, PlanSummary, RestorePlan, RestoreStep, ShownValue } from './types.ts';

/**
 * The plan's steps as entries safe to print or serialise.
 *
 * A parameter that was ever a SecureString (`plan.secrets`), or is one on either side of its
 * step, has both values masked: a type change is often someone moving a secret out of a
 * String, and the old String holds the same secret.
 *
 * @example
 * console.log(JSON.stringify(planEntries(plan))); // no SecureString plaintext in it
 */
export function planEntries(plan: RestorePlan): PlanEntry[] {
  return plan.steps.map((step) => entryOf(step, plan.secrets.has(step.name) || isSecretType(step.now?.type) || isSecretType(step.atT?.type)));
}

/**
 * How many parameters each action touches, plus how many cannot be restored.
 *
 * @example
 * summarize(planEntries(plan)).update; // 3
 */
export function summarize(entries: readonly PlanEntry[]): PlanSummary {
  const summary = { create: 0, update: 0, delete: 0, unchanged: 0, skipped: 0, unresolved: 0 };
  for (const entry of entries) {
    summary[entry.action]++;
    if (entry.unresolved) summary.unresolved++;
  }
  return summary;
}

function entryOf(step: RestoreStep, masked: boolean): PlanEntry {
  const shown = (type: ParameterType, value: string, version?: number): ShownValue => ({
    type,
    value: masked ? MASK : value,
    ...(version !== undefined && { version }),
  });
  return {
    name: step.name,
    action: step.action,
    ...(step.reason !== undefined && { reason: step.reason }),
    ...(step.skip === 'unresolved' && { unresolved: true }),
    ...(step.now && { from: shown(step.now.type, step.now.value, step.now.version) }),
    ...(step.atT && {
      to: {
        ...shown(step.atT.type, step.atT.value, step.atT.version),
        changedAt: new Date(step.atT.changedAt).toISOString(),
        source: step.atT.source,
      },
    }),
    masked,
  };
}
