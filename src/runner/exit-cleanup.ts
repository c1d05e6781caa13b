/**
 * What a host must undo if its process is interrupted: its calls' temporary directories and its
 * state directory's lock. A Ctrl-C or a `kill` ends a process without running `finally` blocks,
 * so these are registered here and removed synchronously on SIGINT, SIGTERM and SIGHUP; the
 * signal then ends the process as it would have (unless something else in the process listens
 * for it too, in which case that listener decides).
 */
const cleanups = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

function onSignal(signal: NodeJS.Signals): void {
  for (const fn of cleanups) {
    try {
      fn();
    } catch {
      // Best effort: the process is ending.
    }
  }
  cleanups.clear();
  if (process.listenerCount(signal) > 1) return;
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  installed = false;
  process.kill(process.pid, signal);
}

/** Runs `fn` (synchronous) if the process is interrupted; the returned function unregisters it. */
export function onInterrupt(fn: () => void): () => void {
  if (!installed) {
    for (const s of SIGNALS) process.on(s, onSignal);
    installed = true;
  }
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
  };
}
