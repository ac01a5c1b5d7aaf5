/**
 * The part of the STS client that a replica target's role needs, in a module of its own:
 * replica-places.ts imports it on first use, so a bundle loads it only then and leaves out
 * the rest of the client (an `import()` of the client's package would keep every command).
 */
export { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
