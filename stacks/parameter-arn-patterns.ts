/** Parameter path prefixes spelled as the ARN patterns IAM matches. */
import { parameterArnBase } from '../shared/parameter-arn.ts';

/**
 * What IAM must match for each prefix, read as `isUnderPrefix` reads it: the parameter the
 * prefix names and everything under it (`parameter/app/*` alone would leave out `/app`, which
 * the rule allows). `/app` → `…:parameter/app` and `…:parameter/app/*`; `/` → every parameter.
 */
export function prefixArnPatterns(
  scope: { readonly partition: string; readonly region: string; readonly accountId: string },
  prefixes: readonly string[],
): string[] {
  const parameter = parameterArnBase({ partition: scope.partition, region: scope.region, account: scope.accountId });
  return prefixes.flatMap((prefix) => (prefix === '/' ? [`${parameter}/*`] : [`${parameter}${prefix}`, `${parameter}${prefix}/*`]));
}
