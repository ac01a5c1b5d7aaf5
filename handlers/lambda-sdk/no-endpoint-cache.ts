/**
 * Stands in for `@aws-sdk/endpoint-cache` in the function bundles (scripts/bundle-handlers.ts aliases
 * it). The DynamoDB client builds an LRU cache for endpoint discovery whether or not
 * discovery is on; in the SDK version we pin, none of its commands uses discovery, so the
 * cache is built and never read, and its LRU library is 7.5 KB of every bundle. This one
 * caches nothing: should discovery ever be switched on, each call asks for endpoints anew,
 * which is slower but still correct.
 */

interface Endpoint {
  readonly Address?: string;
  readonly CachePeriodInMinutes?: number;
}

export class EndpointCache {
  constructor(readonly capacity?: number) {}

  getEndpoint(_key: string): string | undefined {
    return undefined;
  }

  get(_key: string): undefined {
    return undefined;
  }

  set(_key: string, _endpoints: readonly Endpoint[]): void {}

  delete(_key: string): void {}

  has(_key: string): boolean {
    return false;
  }

  clear(): void {}
}
