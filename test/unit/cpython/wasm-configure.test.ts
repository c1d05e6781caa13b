import { describe, expect, test } from '@jest/globals';
import { readCPythonConfig } from '../../../src/cpython/config.js';
import { configureArgs } from '../../../src/cpython/wasm-layer.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { UserError } from '../../../src/util/errors.js';

describe("the wasm build's configure arguments", () => {
  test('name the OpenSSL layer on the 3.13 line, and no C library on the 3.11 line', async () => {
    const dir = (lib: string) => `/cache/layers/${lib}/out`;
    const args313 = configureArgs(await readCPythonConfig(REPO_ROOT, '3.13'), dir);
    expect(args313).toContain('--with-openssl=/cache/layers/openssl/out');
    expect(args313.join(' ')).not.toMatch(/[{}]/);
    const args311 = configureArgs(await readCPythonConfig(REPO_ROOT, '3.11'), dir);
    expect(args311.join(' ')).not.toContain('/cache/layers/');
  });

  test('a placeholder that names no C library is one sentence naming the file', () => {
    const cfg = { line: '3.13', wasm: { configure: ['--with-foo={libfoo}'] } } as never;
    const err = (() => {
      try {
        return configureArgs(cfg, (l) => `/x/${l}`);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^third-party\/cpython\/3\.13\/wasm\.json uses \{libfoo\}, which is not defined; use one of: zlib, bzip2, xz, sqlite3, openssl/,
    );
  });
});
