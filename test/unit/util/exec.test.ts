import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecError, UserError } from '../../../src/util/errors.js';
import { exec, streamThroughActions } from '../../../src/util/exec.js';

const SCRIPT = 'echo out; echo err >&2; exit 3';

/** What the process writes to its stdout and stderr while `fn` runs. */
async function captured(fn: () => Promise<unknown>) {
  const out: string[] = [];
  const spies = [process.stdout, process.stderr].map((s) =>
    jest.spyOn(s, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    }),
  );
  try {
    return { result: await fn().catch((e: unknown) => e), written: out.join('') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

let dirs: string[] = [];
afterEach(async () => {
  streamThroughActions(false);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

async function logFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'exec-test-'));
  dirs.push(dir);
  return join(dir, 'x.log');
}

test("echo: 'stderr' shows a process's progress and keeps its stdout (a result) out of the log", async () => {
  const { result, written } = await captured(() =>
    exec('sh', ['-c', 'echo result; echo progress >&2'], { echo: 'stderr' }),
  );
  expect(result).toEqual({ stdout: 'result\n', stderr: 'progress\n' });
  expect(written).toContain('progress\n');
  expect(written).not.toContain('result');
});

describe.each([
  ['spawned by the helper', false],
  ['inside an action, through @actions/exec', true],
])('exec, %s', (_name, inAction) => {
  test('captures both streams, logs the command and output, and fails with the tail', async () => {
    streamThroughActions(inAction);
    const log = await logFile();
    const { result, written } = await captured(() =>
      exec('sh', ['-c', SCRIPT], { log, echo: true, env: { EXTRA: 'x' } }),
    );
    expect(result).toBeInstanceOf(ExecError);
    const err = result as ExecError;
    expect(err.message).toBe(`sh -c '${SCRIPT}' exited with 3`);
    expect(err.exitCode).toBe(3);
    expect([...err.tail].sort()).toEqual(['err', 'out']);
    const text = await readFile(log, 'utf8');
    expect(text).toContain(`$ sh -c '${SCRIPT}'`);
    expect(text).toMatch(/out\n[^]*err\n|err\n[^]*out\n/);
    // Echoed to the log of the run; an action's shows the command line as @actions/exec does.
    expect(written).toContain('out');
    expect(written.includes('[command]')).toBe(inAction);
  });

  test('returns stdout and stderr apart, with the environment given', async () => {
    streamThroughActions(inAction);
    const { result } = await captured(() =>
      exec('sh', ['-c', 'echo in; echo "$EXTRA" >&2; echo "${HOME+set}"'], {
        echo: true,
        env: { EXTRA: 'x', HOME: undefined },
      }),
    );
    expect(result).toEqual({ stdout: 'in\n\n', stderr: 'x\n' });
  });

  test('a missing command is one sentence', async () => {
    streamThroughActions(inAction);
    const { result } = await captured(() => exec('no-such-tool-here', [], { echo: true }));
    expect(result).toBeInstanceOf(UserError);
    expect((result as Error).message).toBe(
      "The command 'no-such-tool-here' was not found; install it or put it on PATH.",
    );
  });
});

test('input reaches the process, even one that exits without reading it, in an action too', async () => {
  streamThroughActions(true);
  const { result } = await captured(() => exec('cat', [], { echo: true, input: 'in\n' }));
  expect(result).toEqual({ stdout: 'in\n', stderr: '' });
  const ignored = await captured(() =>
    exec('true', [], { echo: true, input: 'x'.repeat(1 << 20) }),
  );
  expect(ignored.result).toEqual({ stdout: '', stderr: '' });
});

test('a process given a timeout is killed with everything it started, even in an action', async () => {
  streamThroughActions(true);
  const { result, written } = await captured(() =>
    exec('sh', ['-c', 'sleep 30 & sleep 30'], { echo: true, timeoutMs: 200 }),
  );
  expect(result).toBeInstanceOf(ExecError);
  expect((result as ExecError).timedOut).toBe(true);
  expect((result as Error).message).toMatch(/timed out after 0.2 s$/);
  expect(written).not.toContain('[command]');
});
