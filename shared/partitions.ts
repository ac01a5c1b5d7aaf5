/**
 * AWS partitions, as ARNs spell them.
 */

/**
 * The partition a region belongs to (`aws`, `aws-cn`, `aws-us-gov`), for ARNs built without
 * asking AWS. The construct uses it too, so both spell ARNs the same way.
 */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
