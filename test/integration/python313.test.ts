// The 3.13 line end to end, built with the pinned trixie toolchain and build Python: CPython
// 3.13.5 with Debian's security patches and OpenSSL, linked into py_func.wasm (with pyfaasm
// alone) and run as a Faasm function in the local host.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCPythonConfig } from '../../src/cpython/config.js';
import { checkAbi, entrypointExports } from '../../src/faasm/profile.js';
import { fetchSource } from '../../src/sources/fetch.js';
import { readCLibraryRecipe } from '../../src/toolchain/c-library.js';
import { exec } from '../../src/util/exec.js';
import { readModuleAbi } from '../../src/wasm/module-abi.js';
import { runLayers, selectLayers } from '../../src/layers/runner.js';
import { createModulesLayer } from '../../src/modules/layer.js';
import { pipeline } from '../../src/pipeline.js';
import { stageFunctionDir } from '../../src/runner/functions.js';
import { FaasmHost } from '../../src/runner/host.js';
import { removeTree } from '../../src/util/fs.js';
import { silentReporter } from '../helpers/fake-layers.js';
import { integrationOptions } from '../helpers/runtime.js';

let wasm: string;
let host: FaasmHost;
let functions: string;

beforeAll(async () => {
  const layers313 = pipeline.map((l) =>
    l.name === 'modules' ? createModulesLayer({ names: ['pyfaasm'] }) : l,
  );
  const layers = await runLayers(
    selectLayers(layers313, ['func', 'root']),
    integrationOptions({ python: '3.13' }),
    { reporter: silentReporter() },
  );
  wasm = join(layers.get('func')!.dir, 'py_func.wasm');
  functions = await mkdtemp(join(tmpdir(), 'faasm-313-'));
  await stageFunctionDir(join(process.cwd(), 'func', 'python'), functions, 'python');
  await stageFunctionDir(
    join(process.cwd(), 'test', 'fixtures', 'pyfuncs-security'),
    functions,
    'security',
  );
  await stageFunctionDir(
    join(process.cwd(), 'test', 'fixtures', 'pyfuncs-wasi'),
    functions,
    'wasi',
  );
  await stageFunctionDir(join(process.cwd(), 'test', 'fixtures', 'pyfuncs-ssl'), functions, 'ssl');
  host = await FaasmHost.load({
    wasmPath: wasm,
    runtimeRoot: layers.get('root')!.dir,
    functionsDir: functions,
    limits: { timeoutMs: 60_000 },
  });
});

afterAll(async () => {
  await host?.close();
  if (functions) await removeTree(functions);
});

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

/** A file of CPython's Lib/test/certdata, read from the line's pinned source tarball. */
async function certdata(name: string): Promise<string> {
  const opts = integrationOptions({ python: '3.13' });
  const cfg = await readCPythonConfig(opts.repoRoot, '3.13');
  const tarball = await fetchSource(`CPython ${cfg.version}`, cfg.sources, opts);
  const member = `Python-${cfg.version}/Lib/test/certdata/${name}`;
  return (await exec('tar', ['-xJOf', tarball.path, member])).stdout;
}

describe('CPython 3.13 in py_func.wasm', () => {
  test("links on Faasm's WAVM with zero differences", async () => {
    expect(checkAbi(readModuleAbi(await readFile(wasm)), 'wavm', entrypointExports())).toEqual([]);
  });

  test('runs a Python function in the host', async () => {
    const r = await host.call({ user: 'python', func: 'hello' });
    expect(r.error).toBeUndefined();
    expect(text(r.output)).toBe('Hello from Python 3.13.5 on wasi');
  });

  test("answers issue 20's four checks as a patched CPython does", async () => {
    const r = await host.call({ user: 'security', func: 'checks' });
    expect(r.error).toBeUndefined();
    const checks = JSON.parse(text(r.output)) as Record<string, unknown>;
    console.log(`issue 20's checks inside the 3.13 runtime: ${text(r.output)}`);
    expect(checks).toEqual({
      version: '3.13.5',
      urlsplit_blank_scheme: 'https',
      parseaddr: ['', ''],
      urlsplit_brackets: expect.stringMatching(/^ValueError: /),
      tarfile_data_filter: true,
    });
  });

  test("gives asyncio, AI_NUMERICSERV and gethostname, which CPython's WASI build lacks", async () => {
    const r = await host.call({ user: 'wasi', func: 'gaps' });
    expect(r.error).toBeUndefined();
    const checks = JSON.parse(text(r.output)) as { hostname: string[] } & Record<string, unknown>;
    expect(checks).toEqual({
      gather: ['slow', 'fast'],
      order: ['fast', 'slow'],
      timer: 'timer',
      ai_numericserv: 8,
      hostname: [expect.any(String), expect.any(String)],
    });
    expect(checks.hostname[0]).toBe(checks.hostname[1]);
    expect(checks.hostname[0]).not.toBe('');
  });

  test('has ssl and _hashlib over the pinned OpenSSL: CA bundle, hashes, RAND_bytes, a TLS 1.3 handshake', async () => {
    const openssl = await readCLibraryRecipe(process.cwd(), 'openssl');
    // keycert3.pem: a key and the certificate pycacert.pem's CA signed for "localhost" (test_ssl's).
    const pems = { ca: await certdata('pycacert.pem'), keycert: await certdata('keycert3.pem') };
    const r = await host.call({
      user: 'ssl',
      func: 'tls',
      input: Buffer.from(JSON.stringify(pems)),
    });
    expect(r.error).toBeUndefined();
    console.log(`ssl inside the 3.13 runtime: ${text(r.output)}`);
    expect(JSON.parse(text(r.output))).toEqual({
      openssl_version: expect.stringMatching(
        new RegExp(`^OpenSSL ${openssl.version.replace(/\./g, '\\.')} `),
      ),
      default_context: [true, true],
      has_tlsv1_3: true,
      rand: [4096, true],
      rand_status: true,
      urandom: 64,
      // The digests Python's own hashlib computes natively for the same input.
      sha3_256: '33d8e695c4c6a7deae489a8ee220af909775cee60a98ca2316407025a9b2358e',
      sha3_from: '_hashlib',
      blake2b: '62dd118403cf7b895301de82cc283e35',
      sha256_from: '_hashlib',
      pbkdf2: '632c2812e46d4604102ba7618e9d6d7d2f8128f6266b4a03264d2a0460b7dcb3',
      scrypt: 'f876178f94837d8721ec9d794a5e6232',
      openssl_md5: '900150983cd24fb0d6963f7d28e17f72',
      tls: {
        handshake: true,
        version: 'TLSv1.3',
        cipher: expect.stringMatching(/^TLS_/),
        peer_cn: 'localhost',
        server_got: 'ping over TLS',
        client_got: 'PING OVER TLS',
        untrusted: 'unable to get local issuer certificate',
        ca_certs: 1,
      },
    });
  });
});
