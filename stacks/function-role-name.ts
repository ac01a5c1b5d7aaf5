/**
 * The names of the functions' roles, which other accounts and the sandbox rely on too: a
 * module free of the CDK framework, so the sandbox can name them without loading it.
 */
import type { FunctionName } from '../shared/functions.ts';

/**
 * The name of a function's role. IAM is global: the region keeps one stack per region from
 * colliding. A replica target account trusts these names, so they are part of the contract.
 */
export function functionRoleName(namePrefix: string, name: FunctionName, region: string): string {
  return `${namePrefix}-${name}-${region}`;
}
