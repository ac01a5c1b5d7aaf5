/**
 * Stands in for `@smithy/core`'s `getInstanceMetadataRegion` in the function bundles (the
 * `lambdaStandIns` plugin of scripts/lambda-sdk-plugins.ts loads it in its place). The SDK asks
 * EC2's instance metadata service for the region only when AWS_REGION is unset (or, in the
 * `auto` defaults mode, when AWS_EXECUTION_ENV is); Lambda sets both for every function, and the
 * sandbox sets AWS_REGION. This answers as the SDK does when instance metadata is disabled or
 * unreachable: no region, so a client without one fails with the SDK's "Region is missing".
 */
export const getInstanceMetadataRegion = async (): Promise<string | undefined> => undefined;
