/**
 * The sandbox and the command line ship in every flavour of the package, the CDK Terrain one
 * too, whose users install neither cdktf nor its AWS provider: nothing they load may need
 * either. Read on the real module graph, as esbuild resolves it with the repository's
 * tsconfig (so a type-only import counts only if it would survive compilation).
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { build, type Metafile } from 'esbuild';
import { packageRoot } from '../../../stacks/function-bundles.ts';

const ENTRY_POINTS = ['bin/figgy-events.ts', 'local/index.ts'];
const FRAMEWORK_MODULE = 'stacks/framework.ts';
const FRAMEWORK_PACKAGE = /^(cdktf|@cdktf\/.+|constructs)(\/.*)?$/;

describe('the sandbox and the command line without the CDK framework', function () {
  this.timeout(60_000);
  let metafile: Metafile;

  before(async () => {
    ({ metafile } = await build({
      entryPoints: ENTRY_POINTS.map((entry) => join(packageRoot(), entry)),
      absWorkingDir: packageRoot(),
      bundle: true,
      write: false,
      metafile: true,
      outdir: 'out',
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    }));
  });

  it(`loads no module that imports ${FRAMEWORK_MODULE}, statically or dynamically`, () => {
    expect(Object.keys(metafile.inputs)).to.include('local/sandbox.ts').and.include('local/demo.ts');
    const importers = Object.entries(metafile.inputs)
      .filter(([, input]) => input.imports.some((each) => each.path === FRAMEWORK_MODULE))
      .map(([path]) => path);
    expect(importers, `modules importing ${FRAMEWORK_MODULE}`).to.deep.equal([]);
    expect(metafile.inputs).not.to.have.property(FRAMEWORK_MODULE);
  });

  it('imports neither cdktf, @cdktf/* nor constructs at run time', () => {
    const framework = Object.values(metafile.outputs)
      .flatMap((output) => output.imports)
      .filter((each) => each.external && FRAMEWORK_PACKAGE.test(each.path))
      .map((each) => each.path);
    expect(framework).to.deep.equal([]);
  });
});
