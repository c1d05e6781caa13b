/**
 * The guest's clocks, in nanoseconds, and the one way the guest sleeps: blocking this thread
 * with Atomics.wait until a MONOTONIC deadline. Every clock subscription of poll_oneoff,
 * relative or absolute (CPython 3.11's time.sleep is clock_nanosleep(CLOCK_MONOTONIC,
 * TIMER_ABSTIME)), becomes such a deadline. Atomics.wait is interrupted by Worker.terminate, so
 * a sleeping call can still be timed out.
 */
import { Clock, Errno } from './abi.js';
import { fail } from './mounts.js';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export function monotonicNs(): bigint {
  return process.hrtime.bigint();
}

export function realtimeNs(): bigint {
  // performance.timeOrigin + now() has microsecond precision; Date.now() only milliseconds.
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.round((ms % 1) * 1e6));
}

function cpuNs(): bigint {
  // process.threadCpuUsage arrived in node 23; before that the process's time stands in.
  const usage = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.();
  const u = usage ?? process.cpuUsage();
  return BigInt(u.user + u.system) * 1000n;
}

export function clockNow(id: number): bigint {
  switch (id) {
    case Clock.REALTIME:
      return realtimeNs();
    case Clock.MONOTONIC:
      return monotonicNs();
    case Clock.PROCESS_CPUTIME:
    case Clock.THREAD_CPUTIME:
      return cpuNs();
    default:
      return fail(Errno.INVAL);
  }
}

export function clockResolution(id: number): bigint {
  clockNow(id); // validates the id
  return id === Clock.MONOTONIC ? 1n : 1000n;
}

/**
 * The MONOTONIC deadline of a clock subscription. An absolute time on another clock counts
 * from that clock's now (a sleeping thread uses no CPU, so for the CPU clocks this is the
 * elapsed-time reading POSIX would also give a sleeper).
 */
export function deadlineOf(id: number, timeout: bigint, absolute: boolean): bigint {
  const mono = monotonicNs();
  if (!absolute) {
    clockNow(id);
    return mono + timeout;
  }
  if (id === Clock.MONOTONIC) return timeout;
  return mono + (timeout - clockNow(id));
}

/** Blocks the thread until monotonicNs() >= deadline. */
export function sleepUntil(deadline: bigint): void {
  for (;;) {
    const left = deadline - monotonicNs();
    if (left <= 0n) return;
    Atomics.wait(sleeper, 0, 0, Number(left) / 1e6);
  }
}
