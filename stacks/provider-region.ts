/**
 * The construct's `region` against the region of the stack's AWS provider: IAM conditions,
 * ARNs and `kms:ViaService` name `region`, while the provider creates everything in its own,
 * so a mismatch would deploy without error and grant for the wrong region.
 */
import { AwsProvider, type TerraformStack, Token } from './framework.ts';

/**
 * Why `region` disagrees with the default (unaliased) AWS provider of `stack`, or undefined
 * when it agrees, or when either is not a literal (a token is resolved only by Terraform).
 *
 * @example
 * providerRegionProblem(stack, 'eu-west-1'); // 'is "eu-west-1", but the stack\'s AWS provider ... "us-east-1" ...'
 */
export function providerRegionProblem(stack: TerraformStack, region: string): string | undefined {
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof AwsProvider) || construct.alias !== undefined) continue;
    const own = construct.region;
    if (own === undefined || Token.isUnresolved(own) || Token.isUnresolved(region) || own === region) continue;
    return (
      `is "${region}", but the stack's AWS provider (${construct.node.path}) creates resources in "${own}": ` +
      'give both the same region (one FiggyEvents per region, each in a stack whose provider is in it)'
    );
  }
  return undefined;
}
