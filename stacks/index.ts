/**
 * Public API of the infrastructure: the FiggyEvents construct, the stack that hosts it, and
 * the app builder `main.ts` uses.
 */
export { FiggyEvents } from './figgy-events.ts';
export { FiggyEventsStack, type FiggyEventsStackProps, type S3StateBackend } from './stack.ts';
export {
  buildStacks,
  readDeploymentConfig,
  readCdktfContext,
  stackId,
  DEPLOYMENT_SETTINGS,
  type DeploymentConfig,
} from './app.ts';
export { bundleHandler, type FunctionBundle, MissingHandlerError } from './bundle.ts';
export { FiggyEventsConfigError } from './settings.ts';
export type * from './types.ts';
