import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { cdktnFrameworkSource, FlavourBuildError } from '../../../scripts/cdktn-flavour.ts';
import { packageRoot } from '../../../stacks/function-bundles.ts';

describe('cdktnFrameworkSource (the one module the CDK Terrain flavour compiles differently)', () => {
  it('names cdktn and the @cdktn/provider-aws subpath of every cdktf import, and changes nothing else', () => {
    const source = readFileSync(join(packageRoot(), 'stacks', 'framework.ts'), 'utf8');
    const flavour = cdktnFrameworkSource(source);
    expect(flavour).to.not.match(/from '(cdktf|@cdktf\/)/);
    expect(flavour).to.include("} from 'cdktn';");
    expect(flavour).to.include("export { LambdaFunction } from '@cdktn/provider-aws/lib/lambda-function/index.js';");
    expect(flavour.replaceAll("'cdktn'", "'cdktf'").replaceAll("'@cdktn/", "'@cdktf/")).to.equal(source);
  });

  it('refuses an import it has no cdktn counterpart for, naming it, rather than ship it unchanged', () => {
    const source = "export { App } from 'cdktf';\nexport { Bucket } from '@cdktf/provider-google/lib/bucket/index.js';\n";
    expect(() => cdktnFrameworkSource(source)).to.throw(FlavourBuildError, '"@cdktf/provider-google/lib/bucket/index.js", which is not a framework package');
    expect(() => cdktnFrameworkSource("export { readFileSync } from 'node:fs';\n")).to.throw(FlavourBuildError, '"node:fs"');
  });

  it('refuses a framework module that imports no framework package', () => {
    expect(() => cdktnFrameworkSource('export const nothing = 1;\n')).to.throw(FlavourBuildError, 'imports no framework package');
  });
});
