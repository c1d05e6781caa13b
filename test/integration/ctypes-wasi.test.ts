// ctypes on the 3.13 line: CPython's _ctypes on libffi's wasm32-wasi target
// (third-party/libs/libffi/wasi, third-party/cpython/3.13/wasi-ctypes.patch). A fixture
// extension hands out the addresses of C functions, which ctypes calls through libffi's call
// stubs; what wasm cannot do (callbacks, loading a library) raises.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runPythonWasm } from '../../src/cpython/python-wasm.js';
import { fixtureInterpreter } from '../helpers/runtime.js';

let work: string;
let wasmDir: string;
let interpreter: string;

beforeAll(async () => {
  ({ work, wasmDir, interpreter } = await fixtureInterpreter(
    join(process.cwd(), 'test', 'fixtures', 'ffi-calls', 'fficalls.c'),
  ));
}, 900_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const python = async (lines: string[]) => {
  const r = await runPythonWasm(interpreter, wasmDir, ['-c', lines.join('\n')]);
  return { ...r, out: `${r.stdout}${r.stderr}` };
};

const PRELUDE = [
  'import ctypes as C, fficalls',
  'F = fficalls.functions()',
  'class Point(C.Structure):',
  "    _fields_ = [('x', C.c_int32), ('y', C.c_int32), ('w', C.c_double)]",
];

describe('ctypes on wasm32-wasi (3.13)', () => {
  test('data types, sizeof, structures, buffers, cast, memmove, string_at', async () => {
    const r = await python([
      ...PRELUDE,
      'p = Point(1, 2, 0.5)',
      'buf = C.create_string_buffer(b"hello", 8)',
      'C.memmove(buf, b"HE", 2)',
      'ip = C.cast(C.pointer(C.c_int32(7)), C.POINTER(C.c_int32))',
      'arr = (C.c_int16 * 3)(1, 2, 3)',
      'u = C.cast(arr, C.POINTER(C.c_uint8))',
      'print(C.sizeof(p), C.sizeof(C.c_void_p), C.sizeof(C.c_longlong), C.alignment(Point),',
      '      buf.value, C.string_at(buf, 3), ip.contents.value, u[2], C.sizeof(arr), p.w)',
    ]);
    expect(r.out).toBe("16 4 8 8 b'HEllo' b'HEl' 7 2 6 0.5\n");
    expect(r.code).toBe(0);
  });

  test('calls C functions through pointers: i32, i64, f64, f32, structs by pointer and value', async () => {
    const r = await python([
      ...PRELUDE,
      'add = C.CFUNCTYPE(C.c_int32, C.c_int32, C.c_int32)(F["add_i32"])',
      'mul = C.CFUNCTYPE(C.c_int64, C.c_int64, C.c_int32)(F["mul_i64"])',
      'scale = C.CFUNCTYPE(C.c_double, C.c_double, C.c_int64, C.c_float)(F["scale_f64"])',
      'weigh = C.CFUNCTYPE(C.c_double, C.POINTER(Point))(F["weigh"])',
      'shift = C.CFUNCTYPE(None, C.POINTER(Point), C.c_int32)(F["shift"])',
      'make = C.CFUNCTYPE(Point, C.c_int32, C.c_int32, C.c_double)(F["make_point"])',
      'total = C.CFUNCTYPE(C.c_double, Point)(F["sum_point"])',
      'sum9 = C.CFUNCTYPE(C.c_int32, *[C.c_int32] * 9)(F["sum9"])',
      'p = Point(3, 4, 2.0)',
      'shift(C.byref(p), 10)',
      'q = make(5, 6, 1.5)',
      'print(add(40, 2), add(-1, -2), mul(1 << 40, 3), scale(1.5, 4, 0.25), weigh(C.byref(p)))',
      'print(p.x, p.y, q.x, q.y, q.w, total(q), sum9(*range(1, 10)))',
    ]);
    expect(r.out).toBe('42 -3 3298534883328 6.25 20.0\n13 -6 5 6 1.5 12.5 45\n');
    expect(r.code).toBe(0);
  });

  test('a signature without a call stub raises instead of trapping', async () => {
    const r = await python([
      ...PRELUDE,
      'mixed = C.CFUNCTYPE(C.c_double, C.c_double, C.c_int32, C.c_double, C.c_int32,',
      '                    C.c_double, C.c_int64)(F["mixed6"])',
      'try:',
      '    mixed(1.0, 2, 3.0, 4, 5.0, 6)',
      'except RuntimeError as e:',
      '    print("RuntimeError", e)',
    ]);
    expect(r.out).toMatch(/^RuntimeError ffi_prep_cif failed: libffi for wasm32-wasi calls/);
    expect(r.code).toBe(0);
  });

  test('a callback (closure) raises NotImplementedError', async () => {
    const r = await python([
      'import ctypes as C',
      'try:',
      '    C.CFUNCTYPE(C.c_int)(lambda: 1)',
      'except NotImplementedError as e:',
      '    print("NotImplementedError", e)',
    ]);
    expect(r.out).toMatch(/^NotImplementedError ctypes callbacks .* WebAssembly cannot do\n$/);
  });

  test('loading a library raises OSError; pythonapi imports but finds no symbol', async () => {
    const r = await python([
      'import ctypes as C, ctypes.util',
      'try:',
      '    C.CDLL("libc.so.6")',
      'except OSError as e:',
      '    print("OSError", e)',
      'try:',
      '    C.pythonapi.Py_IncRef',
      'except AttributeError:',
      '    print("no symbol")',
    ]);
    expect(r.out).toMatch(/^OSError .*WASI has no dynamic loading.*\nno symbol\n$/);
    expect(r.code).toBe(0);
  });
});
