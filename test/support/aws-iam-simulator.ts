/**
 * The well-kept evaluator, for tests only: `@cloud-copilot/iam-simulate` (AGPL-3.0, a
 * devDependency, never imported by shipped code), asked the same questions our sandbox's
 * evaluator answers.
 *
 * One key it cannot take: iam-simulate accepts variable condition keys only in the
 * `prefix/${Name}` form (`aws:RequestTag/x`), so it drops KMS's `kms:EncryptionContext:<key>`
 * from a request as "not applicable" and would deny every grant conditioned on it (and its
 * unvalidated engine fails on resource policies). Such a key is therefore renamed, in the
 * policies and in the request alike, to the global `aws:RequestTag/<key>`, which it accepts
 * for every action and evaluates with the same single-valued string semantics. Any other key
 * it drops fails the test.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

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

const ENCRYPTION_CONTEXT_KEY = /kms:EncryptionContext:([\w.-]+)/gi;

/** A policy or key name with `kms:EncryptionContext:<key>` spelled as iam-simulate takes it (see above). */
function renamedKeys<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replace(ENCRYPTION_CONTEXT_KEY, 'aws:RequestTag/$1')) as T;
}

/**
 * iam-simulate's decision for one request.
 *
 * @throws Error when iam-simulate finds the policies or the request invalid, or drops a
 *   context key as not applicable to the action.
 */
export async function simulate(request: SimulatedRequest): Promise<SimulatedDecision> {
  const simulation: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: Object.fromEntries(
        Object.entries(request.context).map(([key, value]) => [renamedKeys(key), typeof value === 'string' ? value : [...value]]),
      ),
    },
    identityPolicies: request.identityPolicies.map((policy, index) => ({ name: `policy-${index}`, policy: renamedKeys(policy) })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(request.resourcePolicy !== undefined && { resourcePolicy: renamedKeys(request.resourcePolicy) }),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') throw new Error(`iam-simulate refused the request: ${JSON.stringify(result.errors)}`);
  if (result.resultType !== 'single') throw new Error(`iam-simulate expanded ${request.resource} as a wildcard`);
  const dropped = result.result.ignoredContextKeys ?? [];
  if (dropped.length > 0) throw new Error(`iam-simulate dropped context keys ${dropped.join(', ')} for ${request.action}`);
  return result.overallResult;
}
