/**
 * The baseline for the replicator-cost benchmark: finding a source's destinations without
 * the sources projection, by a Scan of the whole replication table and a look at every
 * mapping's sources, as a design without `figgy-config-replication-sources` would have to.
 * It stands in for the real index in the same Replicator, so the rest of the work is
 * identical and the difference is the lookup alone.
 */
import { paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseMapping, sourcesOf } from '../../shared/replication/mapping.ts';
import type { SourceIndex, SourceLink } from '../../shared/replication/types.ts';

export class ScanSourceIndex implements SourceIndex {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly replicationTable: string,
  ) {}

  async destinationsOf(source: string): Promise<string[]> {
    const destinations: string[] = [];
    for await (const page of paginateScan({ client: this.documents }, { TableName: this.replicationTable })) {
      for (const item of page.Items ?? []) {
        const mapping = parseMapping(item);
        if (sourcesOf(mapping).includes(source)) destinations.push(mapping.destination);
      }
    }
    return destinations;
  }

  add(_links: readonly SourceLink[]): Promise<void> {
    return Promise.reject(new Error('the Scan baseline keeps no index: it only answers destinationsOf'));
  }

  remove(_links: readonly SourceLink[]): Promise<void> {
    return Promise.reject(new Error('the Scan baseline keeps no index: it only answers destinationsOf'));
  }

  // eslint-disable-next-line require-yield
  async *scan(): AsyncIterable<SourceLink> {
    throw new Error('the Scan baseline keeps no index: it only answers destinationsOf');
  }
}
