/**
 * CPU time of this process (all its threads: the sandbox's functions run as worker threads
 * here) and of its DynamoDB Local JVM, to say where the sandbox's capacity goes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// Linux reports /proc/<pid>/stat times in clock ticks of 1/100 s on every mainstream build.
const CLOCK_TICK_MS = 10;

export interface CpuSample {
  readonly nodeMs: number;
  /** Undefined where it cannot be read (not Linux, or no Java child). */
  readonly jvmMs: number | undefined;
}

export function sampleCpu(): CpuSample {
  const usage = process.cpuUsage();
  return { nodeMs: (usage.user + usage.system) / 1000, jvmMs: jvmCpuMs() };
}

function jvmCpuMs(): number | undefined {
  try {
    const children = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    const java = children
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .find(([, command]) => command === 'java');
    if (!java) return undefined;
    // Fields after the command name: utime is the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${java[0]}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
  } catch {
    return undefined;
  }
}
