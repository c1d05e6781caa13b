import { expect, test } from '@jest/globals';
import { join } from 'node:path';
import { soak } from '../../scripts/soak.js';
import { buildLayers } from '../helpers/runtime.js';

// A small soak (the full one is `npm run soak`): two tenants, good and hostile calls mixed, 8 in
// flight; no good call is lost, every hostile one ends as it should, memory and disk come back
// near their baselines.
test('a mixed soak of two tenants loses no good call and gives its memory and disk back', async () => {
  let wasm = process.env.FAASM_PYTHON_FUNC_WASM;
  let root = process.env.FAASM_PYTHON_RUNTIME_ROOT;
  if (!wasm || !root) {
    const layers = await buildLayers(['func', 'root']);
    wasm = join(layers.get('func')!.dir, 'py_func.wasm');
    root = layers.get('root')!.dir;
  }
  const r = await soak({ wasm, root, calls: 80, inFlight: 8 });
  console.log(JSON.stringify(r));
  expect(r.failures).toEqual([]);
  expect(r.goodLost).toBe(0);
  expect(r.hostileWrong).toBe(0);
  // Idle workers end (all but two), so memory and threads go back: 1000 calls ended 34 MiB
  // over the baseline with the baseline's threads (docs/performance.md).
  expect(r.rssEndMiB - r.rssBaselineMiB).toBeLessThan(100);
  expect(r.threadsEnd).toBeLessThanOrEqual(r.threadsBaseline);
  // What calls left in their /tmp is gone (empty directories kept for the next calls aside).
  expect(r.diskEndBytes - r.diskBaselineBytes).toBeLessThan(1024 * 1024);
}, 1_800_000);
