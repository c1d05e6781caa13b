import { describe, expect, test } from '@jest/globals';
import { linkFailure } from '../../../src/modules/link.js';
import { wasiLack } from '../../../src/modules/wasi-lacks.js';
import { ExecError } from '../../../src/util/errors.js';

const owners = [
  { archive: 'ext/msgpack._cmsgpack.a', extension: 'msgpack._cmsgpack', module: 'msgpack 1.2.4' },
  { archive: 'ext/netpkg._net.a', extension: 'netpkg._net', module: 'netpkg 1.0' },
];
const linkError = (lines: string[]) =>
  new ExecError('clang failed', 1, lines, '/cache/logs/modules-abc.log');

describe('a failed link of the extensions', () => {
  test.each([
    [['pthread_create', 'pthread_join'], /it needs threads, which WASI does not provide/],
    [['socket', 'connect'], /it needs sockets/],
    [['dlopen', 'dlsym'], /it needs dlopen/],
    [['frobnicate'], /nothing in the runtime defines them/],
  ])('names the module, its extension and the symbols: %s', (symbols, why) => {
    const err = linkError([
      'wasm-ld: error: /root/.cache/x/out/ext/msgpack._cmsgpack.a(0000-a.o): nothing wrong here',
      ...symbols.map(
        (s) =>
          `wasm-ld: error: /root/.cache/x/out/ext/netpkg._net.a(0001-net.o): undefined symbol: ${s}`,
      ),
      'clang: error: linker command failed with exit code 1 (use -v to see invocation)',
    ]);
    const msg = linkFailure(err, owners)!;
    expect(msg).toMatch(
      new RegExp(
        `^netpkg 1\\.0 cannot be linked into the runtime: its extension netpkg\\._net uses ${symbols.join(', ')}; `,
      ),
    );
    expect(msg).toMatch(why);
    expect(msg).toMatch(/see \/cache\/logs\/modules-abc\.log\.$/);
  });

  test('another link failure is left as it was', () => {
    expect(linkFailure(linkError(['wasm-ld: error: out of memory']), owners)).toBeUndefined();
  });
});

describe("what WASI lacks, from a build's error lines", () => {
  test.each([
    ["src/a.c:1:10: fatal error: 'pthread.h' file not found", 'threads'],
    ['undefined symbol: getaddrinfo', 'sockets'],
    ["fatal error: 'dlfcn.h' file not found", 'dlopen'],
    ['error: call to undeclared function fork', 'processes'],
    ['error: expected expression', undefined],
  ])('%s', (line, lack) => {
    expect(wasiLack(line)).toBe(lack);
  });
});
