/**
 * Parameter ARNs, built and read in one place, per partition.
 *
 * SSM's ARN of a parameter keeps the name's slashes after `parameter`, and drops the leading
 * one: `/app/db` is `arn:aws:ssm:eu-west-1:123456789012:parameter/app/db`, and a root-level
 * name `x` or `/x` is `…:parameter/x`.
 */
import { canonicalName } from './parameter-paths.ts';
import { partitionOf } from './partitions.ts';

/** Where a parameter lives, as its ARN names it. */
export interface ArnScope {
  /** Absent: the partition of `region`. */
  readonly partition?: string;
  readonly region: string;
  readonly account: string;
}

/** A parameter ARN read back: its scope, and the parameter's canonical name. */
export interface ParsedParameterArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** The path after `parameter`, as written (`/app/db`). */
  readonly path: string;
  /** The parameter's name in its canonical spelling (see `canonicalName`). */
  readonly name: string;
}

const PARAMETER_ARN = /^arn:(aws[a-z-]*):ssm:([^:]*):([^:]*):parameter(\/.*)$/;

/**
 * Everything before a parameter's path in its ARN: `arn:aws:ssm:eu-west-1:123456789012:parameter`.
 * The parts may be Terraform expressions (the construct's partition and account).
 *
 * @example
 * parameterArnBase({ region: 'cn-north-1', account: '123456789012' }); // 'arn:aws-cn:ssm:cn-north-1:123456789012:parameter'
 */
export function parameterArnBase(scope: ArnScope): string {
  return `arn:${scope.partition ?? partitionOf(scope.region)}:ssm:${scope.region}:${scope.account}:parameter`;
}

/**
 * The ARN of parameter `name` in `scope`.
 *
 * @example
 * parameterArn({ region: 'eu-west-1', account: '123456789012' }, '/app/db'); // 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/db'
 */
export function parameterArn(scope: ArnScope, name: string): string {
  return `${parameterArnBase(scope)}${canonicalName(name)}`;
}

/**
 * Reads a parameter ARN, or undefined for a string that is not one.
 *
 * @example
 * parseParameterArn('arn:aws:ssm:eu-west-1:123456789012:parameter/app/db')?.name; // '/app/db'
 */
export function parseParameterArn(arn: string): ParsedParameterArn | undefined {
  const match = PARAMETER_ARN.exec(arn);
  if (!match) return undefined;
  const [, partition, region, account, path] = match as unknown as [string, string, string, string, string];
  return { partition, region, account, path, name: canonicalName(path.slice(1)) };
}
