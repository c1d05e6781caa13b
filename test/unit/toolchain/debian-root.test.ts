import { describe, expect, test } from '@jest/globals';
import { parseDebRecords } from '../../../src/sources/apt.js';
import { readDebianPins, wrapperScript } from '../../../src/toolchain/debian-root.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { pinDebianRoots } from '../../../src/toolchain/debian-pins.js';
import { UserError } from '../../../src/util/errors.js';

describe('parseDebRecords', () => {
  const show = `Package: clang-19
Version: 1:19.1.7-3+b1
Architecture: amd64
Depends: libc6 (>= 2.38)
Filename: pool/main/l/llvm-toolchain-19/clang-19_19.1.7-3+b1_amd64.deb
Size: 116584
SHA256: bbb74458d782b7792b61b0eed92746df5e6d033778c045cf8c2b3835b7c4efc4
Description: C, C++ and Objective-C compiler
 Clang project is a C, C++, Objective C and Objective C++ front-end

Package: wasi-libc
Version: 0.0~git20241209.574b88d-2
Architecture: all
Filename: pool/main/w/wasi-libc/wasi-libc_0.0~git20241209.574b88d-2_all.deb
Size: 1000
SHA256: 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
`;
  test('reads the pin of every stanza: version with epoch, pool path, size and sha256', () => {
    expect(parseDebRecords(show)).toEqual([
      {
        package: 'clang-19',
        version: '1:19.1.7-3+b1',
        architecture: 'amd64',
        filename: 'pool/main/l/llvm-toolchain-19/clang-19_19.1.7-3+b1_amd64.deb',
        size: 116584,
        sha256: 'bbb74458d782b7792b61b0eed92746df5e6d033778c045cf8c2b3835b7c4efc4',
      },
      expect.objectContaining({ package: 'wasi-libc', architecture: 'all', size: 1000 }),
    ]);
  });

  test('refuses a record without a hash instead of pinning nothing', () => {
    expect(() =>
      parseDebRecords('Package: x\nVersion: 1\nArchitecture: all\nFilename: p\nSize: 1\n'),
    ).toThrow(/without SHA256/);
  });
});

describe('wrapperScript', () => {
  test("runs the program beside it through the root's loader and libraries, found from itself", () => {
    const s = wrapperScript('usr/bin/python3.13');
    expect(s.startsWith('#!/bin/sh\n')).toBe(true);
    expect(s).toContain('root=${self%/usr/bin/python3.13}');
    expect(s).toContain(
      'exec "$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --library-path "$root/usr/lib/x86_64-linux-gnu" --argv0 "${self%/*}/${0##*/}" "$self.elf" "$@"',
    );
    // No absolute path of any machine in it.
    expect(s).not.toMatch(/\/root\/|\/home\/|\.cache/);
  });

  test('clang keeps -cc1 first, and finds wasm-ld-19 in the root; rustc gets the root sysroot', () => {
    const clang = wrapperScript('usr/lib/llvm-19/bin/clang');
    expect(clang).toContain('case "$1" in -cc1*) ;; *) set -- -no-canonical-prefixes "$@" ;; esac');
    expect(clang).toContain('PATH="$root/usr/bin:$PATH"');
    expect(wrapperScript('usr/bin/rustc')).toContain('"$self.elf" --sysroot "$root/usr" "$@"');
    expect(wrapperScript('usr/bin/python3.13')).not.toContain('--sysroot');
  });
});

describe('third-party/debian/trixie.json', () => {
  test('pins the toolchain and the build Python at the versions the 3.13 line is built with', async () => {
    const pins = await readDebianPins(REPO_ROOT, 'trixie');
    const version = (root: string, pkg: string) =>
      pins.roots[root]!.debs.find((d) => d.package === pkg)?.version;
    expect(version('toolchain', 'clang-19')).toBe('1:19.1.7-3+b1');
    expect(version('toolchain', 'lld-19')).toBe('1:19.1.7-3+b1');
    expect(version('toolchain', 'wasi-libc')).toBe('0.0~git20241209.574b88d-2');
    // Rust is a root of its own, from trixie-backports; the toolchain root has none.
    expect(version('toolchain', 'rustc')).toBeUndefined();
    expect(pins.roots.rust!.backports).toEqual(['rustc']);
    for (const pkg of ['rustc', 'cargo', 'libstd-rust-dev', 'libstd-rust-dev-wasm32']) {
      expect(version('rust', pkg)).toBe('1.98.1+dfsg1-1~bpo13+1');
    }
    expect(version('python', 'python3.13')).toBe('3.13.5-2+deb13u5');
    expect(version('python', 'libpython3.13-stdlib')).toBe('3.13.5-2+deb13u5');
    for (const root of Object.values(pins.roots)) {
      for (const d of root.debs) {
        expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(d.filename).toMatch(/^pool\/main\/.+\.deb$/);
      }
    }
  });
});

describe('pin-debian --root', () => {
  test('a root the pins do not have is one sentence, before apt runs', async () => {
    await expect(
      pinDebianRoots({
        repoRoot: REPO_ROOT,
        aptDir: '/nonexistent',
        suite: 'trixie',
        roots: ['nope'],
      }),
    ).rejects.toThrow(
      new UserError(
        'third-party/debian/trixie.json has no root nope (it has: toolchain, python, rust).',
      ),
    );
  });
});
