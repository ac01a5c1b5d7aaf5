import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  OFFLINE_OVERRIDE_FILE,
  offlinePlan,
  terraformVersion,
  type OfflinePlanResult,
} from '../../bin/offline-plan.ts';
import { synthesized } from './support/synthesized.ts';

// Terraform missing is a failure, not a skip: terraformVersion() throws TerraformMissingError
// in before(), which fails every test of this suite with the reason.
describe('terraform (real binary, offline)', function () {
  this.timeout(180_000);
  const workRoot = mkdtempSync(join(tmpdir(), 'figgy-infra-terraform-'));
  let result: OfflinePlanResult;

  before(() => {
    terraformVersion();
    result = offlinePlan(synthesized().stackDir, workRoot);
  });

  after(() => rmSync(workRoot, { recursive: true, force: true }));

  it('validates the synthesized configuration without errors or warnings', () => {
    expect(result.validate.valid).to.equal(true);
    expect(result.validate.diagnostics).to.deep.equal([]);
  });

  it('plans every resource of the synth, and only creates', () => {
    const { json } = synthesized();
    const declared = Object.entries(json.resource).flatMap(([type, blocks]) =>
      Object.keys(blocks).map((id) => `${type}.${id}`),
    );
    expect(result.summary.changes.map((change) => change.address)).to.have.members(declared);
    for (const change of result.summary.changes) {
      expect(change.actions, change.address).to.deep.equal(['create']);
    }
    expect(result.summary).to.include({ update: 0, delete: 0, replace: 0, create: declared.length });
  });

  it('plans the values the construct wrote, e.g. the Lambda runtime and the trail bucket', () => {
    const after = (address: string) =>
      result.plan.resource_changes!.find((change) => change.address === address)!.change.after as Record<string, unknown>;
    expect(after('aws_lambda_function.fn_parameter_store_auditor')).to.include({
      runtime: 'nodejs22.x',
      function_name: 'figgy-parameter-store-auditor',
    });
    expect(after('aws_s3_bucket.trail_bucket')).to.include({ bucket: 'figgy-trail-123456789012-eu-west-1' });
  });

  it('works on a copy: the synth folder never gets the offline override', () => {
    expect(readdirSync(synthesized().stackDir)).not.to.include(OFFLINE_OVERRIDE_FILE);
    expect(readdirSync(result.workDir)).to.include(OFFLINE_OVERRIDE_FILE);
  });
});
