import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
const name = process.argv[2];
const envOnly = {
  name: 'env-credentials',
  setup(b) {
    b.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, (args) => {
      const real = createRequire(args.importer).resolve('@aws-sdk/credential-provider-node');
      return { path: 'env-credentials', namespace: 'env-credentials', pluginData: dirname(real) };
    });
    b.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, () => ({ path: 'x', namespace: 'noes' }));
    b.onLoad({ filter: /.*/, namespace: 'noes' }, () => ({ contents: 'export const EventStreamSerde = undefined, eventStreamSerdeProvider = undefined;', loader: 'js' }));
    b.onLoad({ filter: /.*/, namespace: 'env-credentials' }, (args) => ({
      contents: "import { fromEnv } from '@aws-sdk/credential-provider-env'; export const defaultProvider = (init) => fromEnv(init);",
      resolveDir: args.pluginData, loader: 'js' }));
  },
};
const r = await build({ entryPoints: [`handlers/${name}.ts`], outfile: `/tmp/benchwork/${name}.mjs`, bundle: true, format: 'esm', platform: 'node', target: 'node20', minify: true, treeShaking: true, mainFields: ['module','main'], metafile: true, legalComments:'none', logLevel:'silent', plugins: process.argv[3] ? [envOnly] : [],
 banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" } });
const out = Object.values(r.metafile.outputs)[0];
console.log(name, out.bytes);
const byPkg = {}; console.log(Object.entries(out.inputs).map(([f,v])=>[f,v.bytesInOutput]).sort((a,b)=>b[1]-a[1]).slice(0,70).map(([k,v])=>`  ${v} ${k}`).join("\n"));
for (const [f, v] of Object.entries(out.inputs)) { const m = f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)(\/dist-es\/submodules\/[^/]+)?/); const k = m ? m[1]+(m[2]||'') : 'ours'; byPkg[k] = (byPkg[k]||0) + v.bytesInOutput; }
console.log(Object.entries(byPkg).sort((a,b)=>b[1]-a[1]).slice(0,60).map(([k,v])=>`  ${k} ${v}`).join('\n'));
console.log(Object.keys(out.inputs).filter(f=>f.endsWith('package.json')).map(f=>f+' '+out.inputs[f].bytesInOutput).join('\n'));
const target = process.argv[4];
if (target) {
  for (const [f, v] of Object.entries(r.metafile.inputs)) for (const i of v.imports) if (i.path.includes(target)) console.log(f, '->', i.path, i.kind);
}
