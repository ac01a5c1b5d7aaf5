/**
 * One synthesized FiggyEvents stack shared by every infrastructure test, so the bundles are
 * built and the stack synthesized once per run; plus helpers to read the JSON.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import type { FunctionName } from '../../../shared/functions.ts';
import { FiggyEventsStack, type FiggyEventsStackProps } from '../../../stacks/stack.ts';
import type { PolicyDocument, PolicyStatement } from '../../../stacks/policy-documents.ts';
import { functionId } from '../../../stacks/logical-ids.ts';

export const STACK_ID = 'figgy-events-eu-west-1';
export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';
export const ALARM_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:ops-alerts`;

// Everything the tests write goes under one temporary folder, removed when the run ends.
const SCRATCH = mkdtempSync(join(tmpdir(), 'figgy-infra-'));
const elsewhere: string[] = [];
process.on('exit', () => {
  for (const dir of [SCRATCH, ...elsewhere]) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the run's scratch folder. */
export function scratchDir(name: string): string {
  return mkdtempSync(join(SCRATCH, `${name}-`));
}

export const TEST_PROPS: FiggyEventsStackProps = {
  region: REGION,
  accountId: ACCOUNT,
  destinationPrefixes: ['/app/', '/shared/replicated'],
  auditedNamespaces: ['/app/', '/shared/'],
  sourcePrefixes: ['/shared/', '/app/'],
  alarmTopicArn: ALARM_TOPIC,
};

export type Block = Record<string, unknown>;

export interface TerraformJson {
  readonly terraform: Block;
  readonly provider: Record<string, Block[]>;
  readonly resource: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
  readonly output: Record<string, Block>;
}

export interface Synthesized {
  readonly stack: FiggyEventsStack;
  /** `Testing.synth` output: sorted keys, no metadata; what the matchers read. */
  readonly text: string;
  readonly json: TerraformJson;
  /** The full synth on disk (cdk.tf.json and the asset archives), for Terraform; '' if not written. */
  readonly stackDir: string;
}

/**
 * Synthesizes a FiggyEventsStack in a fresh testing app; `onDisk` also writes the stack folder
 * (JSON and zipped assets) that Terraform needs, which costs a second or so.
 */
export function synthesize(props: FiggyEventsStackProps = TEST_PROPS, onDisk = true): Synthesized {
  const stack = new FiggyEventsStack(Testing.app({ outdir: scratchDir('app') }), STACK_ID, props);
  const text = Testing.synth(stack);
  let stackDir = '';
  if (onDisk) {
    const outdir = Testing.fullSynth(stack);
    elsewhere.push(outdir);
    stackDir = join(outdir, 'stacks', STACK_ID);
  }
  return { stack, text, json: JSON.parse(text) as TerraformJson, stackDir };
}

let shared: Synthesized | undefined;

/** The shared synth of {@link TEST_PROPS}. */
export function synthesized(): Synthesized {
  shared ??= synthesize();
  return shared;
}

/** The `cdk.tf.json` the full synth wrote. */
export function writtenJson(result: Synthesized): TerraformJson {
  return JSON.parse(readFileSync(join(result.stackDir, 'cdk.tf.json'), 'utf8')) as TerraformJson;
}

export function resources(json: TerraformJson, type: string): Record<string, Block> {
  return json.resource[type] ?? {};
}

export function resource(json: TerraformJson, type: string, id: string): Block {
  const block = resources(json, type)[id];
  if (!block) throw new Error(`no ${type}.${id} in the synthesized stack`);
  return block;
}

/** The inline policy of one function's role, parsed. */
export function rolePolicy(json: TerraformJson, name: FunctionName): PolicyDocument {
  const block = resource(json, 'aws_iam_role_policy', functionId(name));
  return JSON.parse(block.policy as string) as PolicyDocument;
}

export function actionsOf(policy: PolicyDocument): string[] {
  return policy.Statement.flatMap((statement) => asList(statement.Action));
}

export function statementsWith(policy: PolicyDocument, action: RegExp): PolicyStatement[] {
  return policy.Statement.filter((statement) => asList(statement.Action).some((a) => action.test(a)));
}

/** Every policy document in the stack: role policies and resource policies. */
export function allPolicies(json: TerraformJson): Array<{ where: string; policy: PolicyDocument }> {
  const found: Array<{ where: string; policy: PolicyDocument }> = [];
  const fields: Record<string, string> = {
    aws_iam_role_policy: 'policy',
    aws_iam_role: 'assume_role_policy',
    aws_sqs_queue_policy: 'policy',
    aws_s3_bucket_policy: 'policy',
  };
  for (const [type, field] of Object.entries(fields)) {
    for (const [id, block] of Object.entries(resources(json, type))) {
      found.push({ where: `${type}.${id}`, policy: JSON.parse(block[field] as string) as PolicyDocument });
    }
  }
  return found;
}

/** `${aws_dynamodb_table.audit_table.arn}/index/*` → `audit_table`. */
export function tablesReferenced(resourceArns: readonly string[]): string[] {
  const ids = resourceArns.flatMap((arn) =>
    [...arn.matchAll(/\$\{aws_dynamodb_table\.([a-z_]+)\.arn\}/g)].map((match) => match[1]!),
  );
  return [...new Set(ids)].sort();
}

/** Actions as a list, whether the policy wrote a string or an array. */
export function asList(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}
