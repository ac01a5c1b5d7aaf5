/**
 * The one line the CLI says about an older Node, instead of the AWS SDK's warning on every call.
 */

/** The Node major figgy-events is built and tested on: Lambda's `nodejs22.x`, and the AWS SDK's next minimum. */
export const TESTED_NODE_MAJOR = 22;

/**
 * What to tell the user of Node `version` (as `process.version` spells it), or undefined when
 * it is {@link TESTED_NODE_MAJOR} or later.
 *
 * @example
 * nodeVersionNote('v20.20.2'); // 'running on Node v20.20.2: figgy-events works, but ...'
 * nodeVersionNote('v22.3.0'); // undefined
 */
export function nodeVersionNote(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (!(major < TESTED_NODE_MAJOR)) return undefined;
  return (
    `running on Node ${version}: figgy-events works, but is tested on Node ${TESTED_NODE_MAJOR}, and the AWS SDK ` +
    `releases from January 2027 on need Node ${TESTED_NODE_MAJOR} or later; upgrade Node to keep getting them`
  );
}
