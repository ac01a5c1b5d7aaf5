import { InvariantError } from '../../shared/errors.ts';

/**
 * Stands in for `@smithy/core`'s `Sha256Js` in the function bundles (the `lambdaStandIns`
 * plugin of scripts/lambda-sdk-plugins.ts loads it in its place). The SDK hashes with Node.js's
 * `crypto` and keeps this pure-JavaScript SHA-256 for a runtime whose `crypto` cannot, which
 * Lambda's Node.js never is; its 3 KB are left out, and this says so should it ever be reached.
 */
export class Sha256Js {
  constructor() {
    throw new InvariantError("the JavaScript SHA-256 is not bundled: Node.js's crypto has SHA-256 on Lambda");
  }
}
