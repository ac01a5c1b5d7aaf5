/**
 * The cdktf app: one FiggyEvents stack per region, configured by `FIGGY_*` environment
 * variables over the `context` of cdktf.json (stacks/app.ts lists every setting).
 *
 * `npx cdktf synth|diff|deploy` run this through cdktf.json; `npm run plan` builds the same
 * stacks in-process.
 */
import { App } from './stacks/framework.ts';
import { buildStacks, readCdktfContext, readDeploymentConfig } from './stacks/app.ts';

const app = new App({ context: readCdktfContext() });
buildStacks(app, readDeploymentConfig(process.env, app.node.getAllContext()));
app.synth();
