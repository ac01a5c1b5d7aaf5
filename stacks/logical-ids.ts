/**
 * Readable, explicit Terraform logical ids.
 *
 * cdktf derives a logical id from the construct path plus a hash, so moving a construct
 * would rename its resource and `terraform plan` would show a destroy and a create. Every
 * resource here gets its id by hand instead: `aws_dynamodb_table.audit_table`,
 * `aws_lambda_function.fn_parameter_store_auditor`.
 */
import type { TerraformElement } from './framework.ts';
import type { FunctionName } from '../shared/functions.ts';

/** Pins `element`'s logical id to `id` and returns it, to keep construction one expression. */
export function named<T extends TerraformElement>(element: T, id: string): T {
  element.overrideLogicalId(id);
  return element;
}

/** `parameter-store-auditor` → `fn_parameter_store_auditor`, the stem of that function's ids. */
export function functionId(name: FunctionName): string {
  return `fn_${name.replaceAll('-', '_')}`;
}
