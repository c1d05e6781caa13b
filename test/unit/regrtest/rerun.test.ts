import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { runModules, type Interpreter } from '../../../src/regrtest/run.js';

const dir = await mkdtemp(join(tmpdir(), 'fp-rerun-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Fails each module's first run (an uncaught exception), passes every later one. */
function flakyInterpreter(): Interpreter & { calls: string[] } {
  const calls: string[] = [];
  return {
    platform: 'wasm',
    calls,
    async run(module, _scratch, log) {
      const first = !calls.includes(module);
      calls.push(module);
      await appendFile(
        log,
        first
          ? `${module} failed (uncaught exception)\n\nTests result: FAILURE\n`
          : `Ran 3 tests in 0.1s\n\nOK\n\nTests result: SUCCESS\n`,
      );
      return first ? 2 : 0;
    },
  };
}

describe('runModules rerun', () => {
  test('a module the rerun rule picks runs a second time; both outcomes and the first log are kept', async () => {
    const interp = flakyInterpreter();
    const runs = await runModules(interp, ['test_a', 'test_b'], {
      logDir: dir,
      timeoutMs: 10_000,
      jobs: 1,
      rerun: (r) => r.module === 'test_a' && r.outcome.status === 'failed',
    });
    expect(interp.calls).toEqual(['test_a', 'test_a', 'test_b']);
    expect(runs[0]!.outcome.status).toBe('passed');
    expect(runs[0]!.firstTry?.status).toBe('failed');
    expect(await readFile(join(dir, 'test_a.first.log'), 'utf8')).toContain('uncaught exception');
    // Not picked: its failure stands.
    expect(runs[1]!.outcome.status).toBe('failed');
    expect(runs[1]!.firstTry).toBeUndefined();
  });
});
