/**
 * The part of the KMS client that key ARNs need, in a module of its own: kms-key-arns.ts
 * imports it on first use, so a bundle loads it only then and leaves out the rest of the
 * client (an `import()` of the client's package would keep every command).
 */
export { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
