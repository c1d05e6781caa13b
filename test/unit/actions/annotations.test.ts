import { describe, expect, test } from '@jest/globals';
import { annotationPath, parseDiagnostics } from '../../../src/actions/annotations.js';

describe('parseDiagnostics', () => {
  test('clang errors with file, line and column; notes and make noise ignored', () => {
    const lines = [
      'clang-16 --target=wasm32-wasi -c ../Modules/timemodule.c -o Modules/timemodule.o',
      '../Modules/timemodule.c:1502:13: error: incompatible integer to pointer conversion [-Wint-conversion]',
      '        tz = tzname;',
      '            ^',
      "../Include/pyport.h:12:2: note: expanded from macro 'X'",
      '1 error generated.',
      'make: *** [Makefile:2546: Modules/timemodule.o] Error 1',
    ];
    expect(parseDiagnostics(lines)).toEqual([
      {
        file: '../Modules/timemodule.c',
        line: 1502,
        col: 13,
        severity: 'error',
        message: 'incompatible integer to pointer conversion [-Wint-conversion]',
      },
    ]);
  });

  test('colour codes are stripped; fatal errors count as errors; warnings are kept as warnings', () => {
    const lines = [
      "\x1b[1m/src/func/py_func.c:10:1: \x1b[0m\x1b[0;1;31mfatal error: \x1b[0m\x1b[1m'Python.h' file not found\x1b[0m",
      "/src/func/py_func.c:20:5: warning: unused variable 'x' [-Wunused-variable]",
    ];
    expect(parseDiagnostics(lines)).toEqual([
      {
        file: '/src/func/py_func.c',
        line: 10,
        col: 1,
        severity: 'error',
        message: "'Python.h' file not found",
      },
      {
        file: '/src/func/py_func.c',
        line: 20,
        col: 5,
        severity: 'warning',
        message: "unused variable 'x' [-Wunused-variable]",
      },
    ]);
  });

  test('gcc without a column, and linker errors without a file', () => {
    const lines = [
      'Parser/parser.c:77: error: expected declaration',
      'wasm-ld: error: libpython3.11.a(posixmodule.o): undefined symbol: getpid',
      'clang-16: error: linker command failed with exit code 1 (use -v to see invocation)',
    ];
    expect(parseDiagnostics(lines)).toEqual([
      { file: 'Parser/parser.c', line: 77, severity: 'error', message: 'expected declaration' },
      { severity: 'error', message: 'libpython3.11.a(posixmodule.o): undefined symbol: getpid' },
      {
        severity: 'error',
        message: 'linker command failed with exit code 1 (use -v to see invocation)',
      },
    ]);
  });

  test('a header error repeated for every includer is reported once', () => {
    const line = 'a.h:1:1: error: unknown type name';
    expect(parseDiagnostics([line, 'In file included from b.c:2:', line])).toHaveLength(1);
  });

  test('ordinary log lines and times are not diagnostics', () => {
    expect(
      parseDiagnostics([
        'checking for gcc... gcc',
        'time: 12:30:01 error: none',
        'Traceback (most recent call last):',
        'configure: error: C compiler cannot create executables',
      ]),
    ).toEqual([]);
  });
});

describe('annotationPath', () => {
  test('files in the repository become relative; others stay as printed', () => {
    expect(annotationPath('/repo/func/py_func.c', '/repo')).toBe('func/py_func.c');
    expect(annotationPath('func/py_func.c', '/repo')).toBe('func/py_func.c');
    expect(annotationPath('/cache/work/wasm-1/src/Modules/x.c', '/repo')).toBe(
      '/cache/work/wasm-1/src/Modules/x.c',
    );
    expect(annotationPath('../Modules/x.c', '/repo', '/cache/work/build')).toBe('../Modules/x.c');
  });
});
