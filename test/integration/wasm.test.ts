import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCPythonConfig } from '../../src/cpython/config.js';
import { pythonWasmCommand, runPythonWasm } from '../../src/cpython/python-wasm.js';
import { planLayers, selectLayers } from '../../src/layers/runner.js';
import type { LayerResult } from '../../src/layers/types.js';
import { REPO_ROOT } from '../../src/paths.js';
import { pipeline } from '../../src/pipeline.js';
import { wasmCompiler } from '../../src/toolchain/flags.js';
import { exec } from '../../src/util/exec.js';
import { PYTHON, buildLayers, integrationOptions } from '../helpers/runtime.js';

let layers: Map<string, LayerResult>;
let wasm: string;
let root: string;

beforeAll(async () => {
  layers = await buildLayers(['wasm']);
  root = layers.get('wasm')!.dir;
  wasm = join(root, 'bin', 'python.wasm');
});

const python = (code: string) => runPythonWasm(wasm, root, ['-c', code]);

describe('python.wasm under node:wasi', () => {
  test(`is the pinned version, stripped, with the stdlib laid out under lib/${PYTHON.libDir}`, async () => {
    const r = await python('import sys; print(sys.version.split()[0], sys.platform, sys.prefix)');
    expect(r.stdout.trim()).toBe(`${PYTHON.version} wasi /`);
    // Stripped: no DWARF, so about 11 MB with OpenSSL (ssl, _hashlib) rather than 20+.
    expect((await stat(wasm)).size).toBeLessThan(12 * 1024 * 1024);
    await expect(stat(join(root, 'lib', PYTHON.libDir, 'os.py'))).resolves.toBeTruthy();
    await expect(stat(join(root, 'lib', PYTHON.libDir, 'test'))).rejects.toThrow();
    await expect(
      stat(join(root, 'lib', PYTHON.libDir, '_sysconfigdata__wasi_wasm32-wasi.py')),
    ).resolves.toBeTruthy();
  });

  test('imports and uses the core standard library', async () => {
    const r = await python(`
import json, re, hashlib, decimal, datetime, pickle, collections, unicodedata, zlib
assert json.loads(json.dumps({"a": [1, 2.5, None]})) == {"a": [1, 2.5, None]}
assert re.sub(r"(\\d+)", r"<\\1>", "a1b22") == "a<1>b<22>"
assert hashlib.sha256(b"").hexdigest() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
assert hashlib.md5(b"").hexdigest() == "d41d8cd98f00b204e9800998ecf8427e"
assert str(decimal.Decimal("1.1") + decimal.Decimal("2.2")) == "3.3"
assert datetime.date(2024, 2, 28) + datetime.timedelta(days=2) == datetime.date(2024, 3, 1)
assert pickle.loads(pickle.dumps({"x": (1, 2)})) == {"x": (1, 2)}
assert collections.Counter("abca").most_common(1) == [("a", 2)]
assert unicodedata.name("é") == "LATIN SMALL LETTER E WITH ACUTE"
data = b"faasm " * 1000
assert zlib.decompress(zlib.compress(data)) == data and len(zlib.compress(data)) < 100
print("ok")
`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
    expect(r.code).toBe(0);
  });

  test('gzip, compressed zipfile, bz2, lzma and sqlite3 work', async () => {
    const r = await python(`
import gzip, io, zipfile, bz2, lzma, sqlite3
data = b"x" * 10000
assert gzip.decompress(gzip.compress(data)) == data
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("a.txt", data)
with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
    assert z.read("a.txt") == data and z.getinfo("a.txt").compress_size < 100
assert bz2.decompress(bz2.compress(data)) == data
assert lzma.decompress(lzma.compress(data)) == data
db = sqlite3.connect(":memory:")
db.execute("create table t (k text, v int)")
db.executemany("insert into t values (?, ?)", [("a", 1), ("b", 2)])
assert db.execute("select sum(v) from t").fetchone() == (3,)
print("ok")
`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  });

  test('os.utime(path) and Path.touch() set the current time (patched wasi-libc)', async () => {
    // The guest's /tmp is a private writable mount of the host's WASI layer.
    const r = await python(`
import os, pathlib, time
p = pathlib.Path("/tmp/f")
p.write_text("x")
os.utime(p, (1, 2))
assert os.stat(p).st_mtime == 2, os.stat(p).st_mtime
os.utime(p)
a = os.stat(p).st_mtime
os.utime(p, ns=(5, 1_000_000_123))
# The host sets times through fs.utimes (a double of seconds): exact to the microsecond.
assert abs(os.stat(p).st_mtime_ns - 1_000_000_123) < 1000, os.stat(p).st_mtime_ns
p.touch()
print(int(a), int(os.stat(p).st_mtime))
`);
    expect(r.stderr).toBe('');
    const now = Date.now() / 1000;
    for (const t of r.stdout.trim().split(' ').map(Number)) {
      expect(Math.abs(t - now)).toBeLessThan(120);
    }
  });

  test('sqlite3: a reader and a writer of one database coexist', async () => {
    const r = await python(`
import sqlite3
w = sqlite3.connect("/tmp/db", timeout=0)
w.execute("create table t (v int)"); w.execute("insert into t values (1)"); w.commit()
r = sqlite3.connect("/tmp/db", timeout=0)
w.execute("insert into t values (2)")          # write transaction open, not committed
assert r.execute("select count(*) from t").fetchone() == (1,)   # the reader still reads
w.commit()
assert r.execute("select count(*) from t").fetchone() == (2,)
cur = r.execute("select v from t"); cur.fetchone()   # a read in progress...
w.execute("insert into t values (3)")
try:
    w.commit(); print("committed under a reader")
except sqlite3.OperationalError as e:
    print("commit waits:", e)
`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('commit waits: database is locked');
  });

  test('keeps importable what upstream keeps for WASI', async () => {
    const r = await python(`
import multiprocessing, concurrent.futures, _osx_support, _aix_support, sysconfig, logging.handlers
import __hello__, __phello__
print(sysconfig.get_platform(), sysconfig.get_config_var("MACHDEP"), bool(sysconfig.get_makefile_filename()))
`);
    expect(r.stderr).toBe('');
    // wasi-libc's uname() says release 0.0.0, machine wasm32.
    expect(r.stdout.trim()).toBe('wasi-0.0.0-wasm32 wasi True');
  });

  test("uses CPython's small-object allocator (pymalloc), which configure leaves out for WASI", async () => {
    // sys._debugmallocstats() reports pymalloc's size classes only when pymalloc is built in.
    const r = await python(`
import sys, sysconfig
print(sysconfig.get_config_var("WITH_PYMALLOC"))
sys._debugmallocstats()
`);
    expect(r.stdout.trim()).toBe('1');
    expect(r.stderr).toMatch(/Small block threshold = \d+/);
  });

  test("is compiled at wasm.json's optimisation level (its 'opt' replaces configure's OPT)", async () => {
    const { wasm: cfg } = await readCPythonConfig(REPO_ROOT);
    const r = await python('import sysconfig; print(sysconfig.get_config_var("OPT"))');
    // configure puts its own -DNDEBUG in front of the OPT it is given.
    const levels = (flags: string) => flags.split(/\s+/).filter((f) => /^-O/.test(f));
    expect(levels(cfg.opt)).toHaveLength(1);
    expect(levels(r.stdout)).toEqual(levels(cfg.opt));
  });

  test('cannot read host paths outside the runtime root', async () => {
    const r = await python(`
try:
    open("/etc/passwd").read()
    print("leak")
except OSError as e:
    print("refused", type(e).__name__)
`);
    expect(r.stdout.trim()).toMatch(/^refused/);
  });

  // CPython 3.13's methodcaller_clear returned void from an int slot (python/cpython#156762):
  // the collector's call through tp_clear trapped in wasm. methodcaller-clear.patch fixes it.
  test('collects a methodcaller in a cycle (its tp_clear has the type the slot calls)', async () => {
    const r = await python(`
import gc, operator
d = {}  # a dict of atoms is not tracked by the collector until it holds an object
m = operator.methodcaller("get", d)
d["m"] = m  # tracked now, after m: the collector clears m first
del d, m
print("collected", gc.collect() > 0)
`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('collected True');
  });

  // CI once started the test runner with stdin closed, and test_pathlib's burst of output then
  // died with BlockingIOError: the child's stdout pipe was non-blocking, and a full pipe said
  // EAGAIN. A print must wait for the reader, as on a blocking stdout.
  test('prints to a full non-blocking stdout pipe by waiting for the reader', async () => {
    const mounts = [{ guest: '/', host: root, readOnly: true }];
    const code = 'for i in range(2000): print(str(i).rjust(999, "x"))\nprint("done")';
    const { argv, env } = pythonWasmCommand(wasm, mounts, ['-c', code]);
    // Python makes the child's end of the pipe non-blocking, then becomes the runner.
    const nonBlocking =
      'import fcntl, os, sys; fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK); os.execv(sys.argv[1], sys.argv[1:])';
    const child = spawn('python3', ['-c', nonBlocking, process.execPath, ...argv], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Not read for a while, so the pipe fills.
    child.stdout.pause();
    await new Promise((r) => setTimeout(r, 1500));
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stdout.resume();
    // A runner that never finishes fails here, not at the suite's timeout.
    const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const exit = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(kill);
    const lines = Buffer.concat(chunks).toString().split('\n');
    expect(stderr.replace(/wasi-timing .*\n?/, '')).toBe('');
    expect(exit).toBe(0);
    expect(lines.length).toBe(2002);
    expect(lines.at(-2)).toBe('done');
  });
});

describe('the toolchain layer', () => {
  test('never sees host headers: zlib.h is not found and /usr/include is not searched', async () => {
    const cc = await wasmCompiler(layers.get('toolchain')!.dir, [], integrationOptions());
    const dir = await mkdtemp(join(tmpdir(), 'fp-sysroot-'));
    try {
      await writeFile(join(dir, 'z.c'), '#include <zlib.h>\nint main(void) { return 0; }\n');
      await expect(
        exec(cc.cc, [...cc.cflags, '-c', join(dir, 'z.c'), '-o', join(dir, 'z.o')]),
      ).rejects.toMatchObject({
        tail: expect.arrayContaining([expect.stringContaining("'zlib.h' file not found")]),
      });
      const { stderr } = await exec(cc.cc, [
        ...cc.cflags,
        '-v',
        '-E',
        '-x',
        'c',
        '/dev/null',
        '-o',
        '/dev/null',
      ]);
      const searched = stderr
        .split('#include <...> search starts here:')[1]!
        .split('End of search list.')[0]!;
      expect(searched).not.toMatch(/^\s*\/usr\/(local\/)?include\s*$/m);
      expect(searched).toContain(join(layers.get('toolchain')!.dir, 'sysroot'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('layer keys', () => {
  test('changing only a wasm configure flag changes the wasm key and keeps the native one', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'fp-repo-'));
    try {
      for (const dir of ['third-party', 'src']) {
        await cp(join(REPO_ROOT, dir), join(repo, dir), { recursive: true });
      }
      const wasmJson = join(repo, 'third-party/cpython', PYTHON.line, 'wasm.json');
      const cfg = JSON.parse(await readFile(wasmJson, 'utf8'));
      cfg.configure.push('--with-pydebug');
      await writeFile(wasmJson, JSON.stringify(cfg));
      const layersToWasm = selectLayers(pipeline, ['wasm']);
      const before = await planLayers(layersToWasm, integrationOptions());
      const after = await planLayers(layersToWasm, integrationOptions({ repoRoot: repo }));
      const key = (plan: typeof before, name: string) =>
        plan.find((p) => p.layer.name === name)!.key;
      for (const name of ['toolchain', 'zlib', 'native'])
        expect(key(after, name)).toBe(key(before, name));
      expect(key(after, 'wasm')).not.toBe(key(before, 'wasm'));
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});
