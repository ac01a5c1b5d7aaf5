/**
 * The well-kept evaluator, for tests only: `@cloud-copilot/iam-simulate` (AGPL-3.0, a
 * devDependency, never imported by shipped code), asked the same questions our sandbox's
 * evaluator answers.
 *
 * One key it cannot take: iam-simulate accepts variable condition keys only in the
 * `prefix/${Name}` form (`aws:PrincipalTag/x`), so it drops KMS's `kms:EncryptionContext:<key>`
 * from a request as "not applicable" and would deny every grant conditioned on it. A request
 * that carries that key is therefore run through its unvalidated engine (`runUnsafeSimulation`,
 * the same policy engine without the request checks), after the validated run has checked the
 * policies, the action and the resource; any other dropped key fails the test.
 */
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

/** IAM's three outcomes, as both evaluators name them. */
export type SimulatedDecision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface SimulatedRequest {
  /** The caller's ARN: a role session (`arn:aws:sts::…:assumed-role/role/session`) or a service principal. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
  readonly identityPolicies: readonly unknown[];
  readonly resourcePolicy?: unknown;
}

/** Context keys iam-simulate cannot take in a validated run (see above). */
const VARIABLE_KEY_WITH_COLON = /^kms:encryptioncontext:/i;

/**
 * iam-simulate's decision for one request.
 *
 * @throws Error when iam-simulate finds the policies or the request invalid, or drops a
 *   context key other than `kms:EncryptionContext:<key>`.
 */
export async function simulate(request: SimulatedRequest): Promise<SimulatedDecision> {
  const simulation: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: Object.fromEntries(
        Object.entries(request.context).map(([key, value]) => [key, typeof value === 'string' ? value : [...value]]),
      ),
    },
    identityPolicies: request.identityPolicies.map((policy, index) => ({ name: `policy-${index}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(request.resourcePolicy !== undefined && { resourcePolicy: request.resourcePolicy }),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') throw new Error(`iam-simulate refused the request: ${JSON.stringify(result.errors)}`);
  if (result.resultType !== 'single') throw new Error(`iam-simulate expanded ${request.resource} as a wildcard`);
  const dropped = result.result.ignoredContextKeys ?? [];
  const unexpected = dropped.filter((key) => !VARIABLE_KEY_WITH_COLON.test(key));
  if (unexpected.length > 0) throw new Error(`iam-simulate dropped context keys ${unexpected.join(', ')} for ${request.action}`);
  if (dropped.length === 0) return result.overallResult;
  return runUnsafeSimulation(simulation, {});
}
