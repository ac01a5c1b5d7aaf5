/**
 * A client loaded and made on first use, then kept: the same one for every later call.
 */

/**
 * `load`, run on the first call and its result kept. A load that fails (a chunk the process
 * could not open just then, a client that could not be made) is not kept: the next call
 * loads again, as Node's own `import()` would, rather than failing for the life of the process.
 *
 * @example
 * const kms = onFirstUse(async () => new (await import('./kms-describe-key.ts')).KMSClient({}));
 * await kms(); // the same client on every call
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
}
