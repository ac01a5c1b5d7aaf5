/**
 * `npm run plan`: synthesize every stack, then `terraform init`, `validate` and an offline
 * `plan` of each, and print what the plan would do.
 *
 *   npm run plan                       # summary per stack
 *   npm run plan -- --json plan.json   # also `terraform show -json` of the plan
 *   npm run plan -- --keep             # keep the Terraform working folders
 *
 * Configuration is the app's (`FIGGY_*` over cdktf.json context). Without FIGGY_ACCOUNT_ID
 * the ARNs use the placeholder account 123456789012. The init uses `-plugin-dir
 * $TF_PLUGIN_DIR` when that is set.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from '../stacks/framework.ts';
import { buildStacks, readCdktfContext, readDeploymentConfig } from '../stacks/app.ts';
import { PLACEHOLDER_ACCOUNT_ID, TerraformCommandError, offlinePlan, terraformVersion } from '../bin/offline-plan.ts';
import { describePlan, jsonPath } from '../bin/plan-command.ts';

const USAGE = 'usage: npm run plan [-- --json <file>] [--keep] [--out <synth folder>]';

function main(): number {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      out: { type: 'string', default: 'cdktf.out' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }

  const pluginDir = process.env.TF_PLUGIN_DIR;
  console.log(`terraform ${terraformVersion()}${pluginDir ? `, providers from ${pluginDir}` : ''}`);

  const app = new App({ outdir: values.out, context: readCdktfContext() });
  const config = readDeploymentConfig(process.env, app.node.getAllContext());
  if (!config.accountId) {
    console.log(`FIGGY_ACCOUNT_ID is not set: ARNs use the placeholder account ${PLACEHOLDER_ACCOUNT_ID}`);
  }
  const stacks = buildStacks(app, { ...config, accountId: config.accountId ?? PLACEHOLDER_ACCOUNT_ID });
  app.synth();
  console.log(`synthesized ${stacks.length} stack(s) into ${values.out}/stacks`);

  const workRoot = mkdtempSync(join(tmpdir(), 'figgy-plan-'));
  try {
    for (const stack of stacks) {
      const id = stack.node.id;
      const result = offlinePlan(join(values.out, 'stacks', id), workRoot);
      console.log(`\n${describePlan(result)}`);
      if (values.json) {
        const file = jsonPath(values.json, id, stacks.length);
        writeFileSync(file, `${JSON.stringify(result.plan, null, 2)}\n`);
        console.log(`  plan JSON written to ${file}`);
      }
    }
  } finally {
    if (values.keep) console.log(`\nTerraform working folders kept in ${workRoot}`);
    else rmSync(workRoot, { recursive: true, force: true });
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  if (error instanceof TerraformCommandError) {
    console.error(`\n${error.message}`);
  } else {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  }
  process.exitCode = 1;
}
