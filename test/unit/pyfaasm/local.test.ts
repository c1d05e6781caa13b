import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { exec, probe } from '../../../src/util/exec.js';

// pyfaasm on the machine's native CPython: no _faasm, so only the local modes work.
const PYFAASM = join(process.cwd(), 'pyfaasm');
const python = await probe('python3', ['-c', 'import sys; print(sys.version_info[0])']);
if (python !== '3') console.warn('python3 is not installed: skipping the pyfaasm local-mode tests');
const it = python === '3' ? test : test.skip;

async function py(code: string, env: Record<string, string> = {}) {
  const { stdout } = await exec('python3', ['-c', code], { env: { PYTHONPATH: PYFAASM, ...env } });
  return stdout.trim();
}

describe('pyfaasm.core on native CPython', () => {
  it('runs chained calls in-process in local chaining mode', async () => {
    const out = await py(`
import pyfaasm.core as c
c.set_local_chaining(True)
seen = []
def ok(data):
    seen.append(data)
    return 0
def bad(data):
    raise RuntimeError("no")
def none(data):
    pass
ids = [c.chain(ok, b"x"), c.chain(bad, b""), c.chain(none, b""), c.chain_this_with_input(ok, b"y")]
print([c.await_call(i) for i in ids], seen, c.in_faasm())
`);
    expect(out.split('\n').pop()).toBe("[0, 1, 1, 0] [b'x', b'y'] False");
  });

  it('keeps input and output locally, from the environment switch too', async () => {
    const out = await py(
      `
import pyfaasm.core as c
c.set_local_input(b"in\\x00put")
assert c.get_input_len() == 6 and c.read_input() == b"in\\x00put" and c.read_input(2) == b"in"
c.write_output(b"\\xffout")
print(c.get_output())
`,
      { PYTHON_LOCAL_OUTPUT: '1' },
    );
    expect(out).toBe("b'\\xffout'");
  });

  it('raises a clear error for anything that needs the host', async () => {
    const out = await py(`
import pyfaasm.core as c
for call in (lambda: c.read_state("k"), lambda: c.write_output(b"x"), lambda: c.chain(len, b"")):
    try:
        call()
        print("no error")
    except c.FaasmHostUnavailable as e:
        print(str(e).split(";")[0])
`);
    expect(out.split('\n')).toEqual([
      'pyfaasm: read_state needs the Faasm host, and this Python has no built-in _faasm module',
      'pyfaasm: write_output needs the Faasm host, and this Python has no built-in _faasm module',
      'pyfaasm: chain needs the Faasm host, and this Python has no built-in _faasm module',
    ]);
  });

  it('rejects str where bytes are due', async () => {
    const out = await py(`
import pyfaasm.core as c
c.set_local_input_output(True)
try:
    c.write_output("text")
except TypeError as e:
    print(e)
`);
    expect(out).toBe('write_output takes bytes, not str (encode it first)');
  });
});
