/**
 * `offlinePlan` against provider mirrors as users give them. A stack of one provider and no
 * resources keeps each terraform run short.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { offlinePlan, TerraformCommandError, terraformVersion } from '../../bin/offline-plan.ts';

const MIRROR = process.env.TF_PLUGIN_DIR ?? '/opt/tf-plugins';
const MIRRORED = '5.100.0';

describe('offlinePlan with the provider mirrors users give it', function () {
  this.timeout(300_000);
  const work = mkdtempSync(join(tmpdir(), 'figgy-plan-mirror-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  /** A synthesized stack of a cdktf app: hashicorp/aws pinned as @cdktf/provider-aws 20.x pins it. */
  function cdktfStack(name: string): string {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'cdk.tf.json'),
      JSON.stringify({ terraform: { required_providers: { aws: { source: 'aws', version: MIRRORED } } }, provider: { aws: [{ region: 'eu-west-1' }] } }),
    );
    return dir;
  }

  before(() => terraformVersion());

  it('plans with a mirror given as a path relative to where it is run, as --plugin-dir ./mirror is', () => {
    const result = offlinePlan(cdktfStack('relative'), join(work, 'plan-relative'), { pluginDir: relative(process.cwd(), MIRROR) });
    expect(result.validate.valid).to.equal(true);
  });

  it('does not tell a cdktf stack whose mirror lacks its pin to plan with that same missing release', () => {
    // A mirror holding only another 5.x release.
    const other = join(work, 'mirror-5.99.0', 'registry.terraform.io', 'hashicorp', 'aws', '5.99.0', 'linux_amd64');
    mkdirSync(other, { recursive: true });
    symlinkSync(join(MIRROR, 'registry.terraform.io', 'hashicorp', 'aws', MIRRORED, 'linux_amd64', `terraform-provider-aws_v${MIRRORED}_x5`), join(other, 'terraform-provider-aws_v5.99.0_x5'));
    let message = '';
    try {
      offlinePlan(cdktfStack('cdktf-stack'), join(work, 'plan-other'), { pluginDir: join(work, 'mirror-5.99.0') });
    } catch (error) {
      expect(error).to.be.instanceOf(TerraformCommandError);
      message = (error as Error).message;
    }
    expect(message).to.include('no available releases match');
    expect(message, 'the hint').to.include('The mirror holds hashicorp/aws 5.99.0.').and.include('--aws-provider VERSION');
    expect(message, 'the hint').to.not.match(/--aws-provider[^\n]*5\.100\.0/);
  });
});
