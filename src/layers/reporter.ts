// How a layer run reports progress on a terminal or a log: lines, durations, heartbeats.
import { formatBytes, formatSeconds } from '../util/fs.js';
import { shortKey } from './key.js';
import type { LayerResult, Reporter } from './types.js';

const STATUS_WORD = { built: 'built', cached: 'hit', restored: 'restored' } as const;

/** How often a build that is not on a terminal says it is still going. */
export const HEARTBEAT_MS = 30_000;

/** The name column: wide enough for most module layers' names (module-markupsafe). */
const NAME_WIDTH = 17;

/** One line per layer: name, hit or built, time, size, key. */
export function formatLayerLine(r: LayerResult): string {
  return [
    r.name.padEnd(NAME_WIDTH),
    STATUS_WORD[r.status].padEnd(8),
    formatSeconds(r.ms).padStart(8),
    formatBytes(r.size).padStart(10),
    `  ${shortKey(r.key)}`,
  ].join(' ');
}

/** 75 s -> "1m15s"; for progress lines, where tenths of a second are noise. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * A layer still building: elapsed time, and an estimate of what is left from the time the
 * layer's last build took (recorded in its cache meta). Pure.
 */
export function progressLine(name: string, elapsedMs: number, lastBuildMs?: number): string {
  let eta = '';
  if (lastBuildMs !== undefined && lastBuildMs > 0) {
    const left = lastBuildMs - elapsedMs;
    eta =
      left > 0
        ? `, about ${formatDuration(left)} left (last build ${formatDuration(lastBuildMs)})`
        : `, longer than the last build (${formatDuration(lastBuildMs)})`;
  }
  return `${name}: building, ${formatDuration(elapsedMs)} elapsed${eta}`;
}

export interface ReporterOptions {
  /** Layer name -> how long its last build took, for the ETA. */
  lastBuildMs?: ReadonlyMap<string, number>;
  /** Milliseconds between progress lines when not on a terminal (default 30 s). */
  heartbeatMs?: number;
  now?: () => number;
  /** Say nothing about cache hits (run and upload only need the runtime to exist). */
  quiet?: boolean;
}

/**
 * Layer lines on `stream`. While a layer builds: on a terminal, one line rewritten every second
 * with elapsed time and ETA; otherwise (CI logs, pipes) a heartbeat line every 30 s, so a cold
 * build is never silent for minutes.
 */
export function consoleReporter(
  stream: NodeJS.WriteStream = process.stderr,
  opts: ReporterOptions = {},
): Reporter {
  const isTty = stream.isTTY === true;
  const now = opts.now ?? Date.now;
  const timers = new Map<string, NodeJS.Timeout>();
  const stop = (name: string) => {
    clearInterval(timers.get(name));
    timers.delete(name);
  };
  return {
    start(name) {
      const started = now();
      const line = () => progressLine(name, now() - started, opts.lastBuildMs?.get(name));
      if (isTty && !opts.quiet) stream.write(`${name.padEnd(10)} ...\r`);
      const timer = setInterval(
        () => stream.write(isTty ? `${line()}\x1b[K\r` : `${line()}\n`),
        isTty ? 1000 : (opts.heartbeatMs ?? HEARTBEAT_MS),
      );
      timer.unref();
      stop(name);
      timers.set(name, timer);
    },
    done(r) {
      stop(r.name);
      if (opts.quiet && r.status === 'cached') return;
      stream.write(`${formatLayerLine(r)}${isTty ? '\x1b[K' : ''}\n`);
    },
    info(message) {
      stream.write(`${message}\n`);
    },
    warn(message) {
      stream.write(`warning: ${message}\n`);
    },
  };
}

/** Silent about cache hits: for commands (run, upload) that only need the runtime to exist. */
export function quietReporter(stream: NodeJS.WriteStream = process.stderr): Reporter {
  return consoleReporter(stream, { quiet: true });
}

/** Layer name -> buildMs of its most recently built cache entry: the ETA source. Pure. */
export function lastBuildTimes(
  entries: readonly { name: string; meta?: { buildMs: number; createdAt: string } }[],
): Map<string, number> {
  const newest = new Map<string, { at: string; ms: number }>();
  for (const { name, meta } of entries) {
    if (!meta) continue;
    const seen = newest.get(name);
    if (!seen || meta.createdAt > seen.at)
      newest.set(name, { at: meta.createdAt, ms: meta.buildMs });
  }
  return new Map([...newest].map(([name, v]) => [name, v.ms]));
}
