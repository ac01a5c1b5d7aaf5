/**
 * The CLI's context for unit tests: a fixed clock and captured output.
 */

export const NOW = Date.parse('2026-03-01T12:00:00Z');

/** A context for `main()` whose output lands in `out`. */
export function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    context: {
      env: {},
      now: () => NOW,
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
    },
  };
}
