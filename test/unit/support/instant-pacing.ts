import type { PacerClock } from '../../../shared/call-pacer.ts';

/** A pacer clock that never waits: tests of what is written, not of when. */
export const instantPacing: PacerClock = { now: () => 0, sleep: async () => undefined };
