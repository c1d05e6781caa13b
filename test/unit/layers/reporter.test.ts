import { describe, expect, jest, test } from '@jest/globals';
import {
  consoleReporter,
  formatDuration,
  lastBuildTimes,
  progressLine,
} from '../../../src/layers/reporter.js';
import type { LayerResult } from '../../../src/layers/types.js';

/** A stream that records what is written, as a terminal or not. */
function recorder(isTTY: boolean) {
  const lines: string[] = [];
  const stream = { isTTY, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

const result = (over: Partial<LayerResult> = {}): LayerResult =>
  ({
    name: 'wasm',
    key: 'a'.repeat(64),
    status: 'built',
    ms: 1000,
    size: 10,
    ...over,
  }) as LayerResult;

describe('progress', () => {
  test.each([
    [0, '0s'],
    [59_400, '59s'],
    [75_000, '1m15s'],
    [3_600_000, '60m00s'],
  ])('formatDuration(%d) is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test('elapsed, and what is left from the last build', () => {
    expect(progressLine('wasm', 30_000)).toBe('wasm: building, 30s elapsed');
    expect(progressLine('wasm', 30_000, 180_000)).toBe(
      'wasm: building, 30s elapsed, about 2m30s left (last build 3m00s)',
    );
    expect(progressLine('wasm', 200_000, 180_000)).toBe(
      'wasm: building, 3m20s elapsed, longer than the last build (3m00s)',
    );
  });

  test('the newest build of each layer gives its estimate', () => {
    const times = lastBuildTimes([
      { name: 'wasm', meta: { buildMs: 100, createdAt: '2026-01-01T00:00:00Z' } },
      { name: 'wasm', meta: { buildMs: 300, createdAt: '2026-02-01T00:00:00Z' } },
      { name: 'native', meta: { buildMs: 50, createdAt: '2026-01-01T00:00:00Z' } },
      { name: 'func' },
    ]);
    expect([...times]).toEqual([
      ['wasm', 300],
      ['native', 50],
    ]);
  });

  test('without a terminal, a heartbeat line every 30 s until the layer is done', () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const { stream, lines } = recorder(false);
      const reporter = consoleReporter(stream, {
        lastBuildMs: new Map([['wasm', 120_000]]),
        now: () => Date.now(),
      });
      reporter.start('wasm', 'k');
      jest.advanceTimersByTime(29_999);
      expect(lines).toEqual([]);
      jest.advanceTimersByTime(61_000);
      expect(lines).toEqual([
        'wasm: building, 30s elapsed, about 1m30s left (last build 2m00s)\n',
        'wasm: building, 1m00s elapsed, about 1m00s left (last build 2m00s)\n',
        'wasm: building, 1m30s elapsed, about 30s left (last build 2m00s)\n',
      ]);
      reporter.done(result());
      jest.advanceTimersByTime(120_000);
      expect(lines).toHaveLength(4);
      expect(lines[3]).toMatch(/^wasm\s+built/);
    } finally {
      jest.useRealTimers();
    }
  });

  test('on a terminal, the line is rewritten every second; a quiet reporter hides hits', () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const { stream, lines } = recorder(true);
      const reporter = consoleReporter(stream, { now: () => Date.now() });
      reporter.start('native', 'k');
      jest.advanceTimersByTime(2000);
      expect(lines).toEqual([
        'native     ...\r',
        'native: building, 1s elapsed\x1b[K\r',
        'native: building, 2s elapsed\x1b[K\r',
      ]);
      const quiet = recorder(false);
      const q = consoleReporter(quiet.stream, { quiet: true });
      q.start('toolchain', 'k');
      q.done(result({ name: 'toolchain', status: 'cached' }));
      expect(quiet.lines).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });
});
