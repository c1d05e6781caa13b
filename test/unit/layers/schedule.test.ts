import { describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLayers } from '../../../src/layers/runner.js';
import { runGraph } from '../../../src/layers/schedule.js';
import { fileLayer, silentReporter, testOptions } from '../../helpers/fake-layers.js';

/** Runs a graph whose nodes each take one tick; records starts, ends and the peak concurrency. */
async function trace(nodes: { name: string; deps: string[] }[], limit: number, fail?: string) {
  const events: string[] = [];
  let running = 0;
  let peak = 0;
  const error = await runGraph(nodes, limit, async (n) => {
    events.push(`start ${n.name}`);
    peak = Math.max(peak, ++running);
    await new Promise((r) => setTimeout(r, 10));
    running--;
    events.push(`end ${n.name}`);
    if (n.name === fail) throw new Error(`${n.name} broke`);
  }).catch((e: Error) => e);
  return { events, peak, error };
}

describe('runGraph', () => {
  const diamond = [
    { name: 'tool', deps: [] },
    { name: 'zlib', deps: ['tool'] },
    { name: 'xz', deps: ['tool'] },
    { name: 'native', deps: [] },
    { name: 'wasm', deps: ['tool', 'zlib', 'xz', 'native'] },
  ];

  test('starts a node only after its dependencies end, and runs independent ones at once', async () => {
    const { events, peak, error } = await trace(diamond, 2);
    expect(error).toBeUndefined();
    const at = (e: string) => events.indexOf(e);
    for (const dep of ['tool', 'zlib', 'xz', 'native']) {
      expect(at(`end ${dep}`)).toBeLessThan(at('start wasm'));
    }
    expect(at('end tool')).toBeLessThan(at('start zlib'));
    expect(peak).toBe(2);
    expect(at('start native')).toBeLessThan(at('end tool'));
  });

  test('never runs more than the limit', async () => {
    expect((await trace(diamond, 1)).peak).toBe(1);
    expect((await trace(diamond, 8)).peak).toBe(3);
  });

  test('after a failure starts nothing new, lets running nodes end, and throws that failure', async () => {
    const { events, error } = await trace(diamond, 2, 'zlib');
    expect(error?.message).toBe('zlib broke');
    expect(events).not.toContain('start wasm');
    for (const e of events.filter((x) => x.startsWith('start '))) {
      expect(events).toContain(e.replace('start', 'end'));
    }
  });
});

describe('runLayers with two jobs', () => {
  test('builds independent layers at once and returns results in plan order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-schedule-'));
    try {
      const layers = [
        fileLayer('slow', '1', { delayMs: 300 }),
        fileLayer('fast', '2'),
        fileLayer('top', '3', { deps: ['slow', 'fast'] }),
      ];
      const reporter = silentReporter();
      const results = await runLayers(
        layers,
        { ...testOptions(join(dir, 'c')), jobs: 2 },
        { reporter },
      );
      expect([...results.keys()]).toEqual(['slow', 'fast', 'top']);
      // 'fast' did not wait for 'slow': it finished first.
      expect(reporter.lines).toEqual(['fast built', 'slow built', 'top built']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
