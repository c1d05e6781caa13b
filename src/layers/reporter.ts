import { formatBytes, formatSeconds } from '../util/fs.js';
import { shortKey } from './key.js';
import type { LayerResult, Reporter } from './types.js';

const STATUS_WORD = { built: 'built', cached: 'hit', restored: 'restored' } as const;

/** One line per layer: name, hit or built, time, size, key. */
export function formatLayerLine(r: LayerResult): string {
  return [
    r.name.padEnd(10),
    STATUS_WORD[r.status].padEnd(8),
    formatSeconds(r.ms).padStart(8),
    formatBytes(r.size).padStart(10),
    `  ${shortKey(r.key)}`,
  ].join(' ');
}

export function consoleReporter(stream: NodeJS.WriteStream = process.stderr): Reporter {
  const isTty = stream.isTTY === true;
  return {
    start(name) {
      if (isTty) stream.write(`${name.padEnd(10)} ...\r`);
    },
    done(r) {
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
  const loud = consoleReporter(stream);
  return { ...loud, start() {}, done: (r) => r.status !== 'cached' && loud.done(r) };
}
