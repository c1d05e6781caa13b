import { expect, test } from '@jest/globals';
import { GuestMemory, type MemoryProblem } from '../../../../src/runner/wasi/guest-memory.js';
import { Fdstat } from '../../../../src/runner/wasi/structs.js';

const PAGE = 65536;

function setup() {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const problems: MemoryProblem[] = [];
  const mem = new GuestMemory(
    () => memory,
    (p) => {
      problems.push(p);
      return new Error(`${p.what}: ${p.kind} ${p.ptr}+${p.len}`);
    },
  );
  return { memory, mem, problems };
}

test('every access is bounds-checked and names the caller', () => {
  const { mem, problems } = setup();
  expect(mem.bytes(PAGE - 4, 4).length).toBe(4);
  expect(() => mem.bytes(PAGE - 3, 4, 'fd_read')).toThrow('fd_read: bounds 65533+4');
  expect(() => mem.bytes(-1, 1)).toThrow();
  expect(() => mem.bytes(0, -1)).toThrow();
  expect(() => mem.setU32(PAGE - 2, 1)).toThrow();
  expect(() => mem.u64(PAGE - 7)).toThrow();
  expect(() => mem.put(Fdstat, PAGE - 16, { filetype: 0, flags: 0, rightsBase: 0n, rightsInheriting: 0n })).toThrow(); // prettier-ignore
  expect(problems.map((p) => p.kind)).toEqual(Array(6).fill('bounds'));
  expect(problems[0]).toEqual({ kind: 'bounds', ptr: PAGE - 3, len: 4, what: 'fd_read' });
});

test('follows memory.grow: the buffer is fetched at each access', () => {
  const { memory, mem } = setup();
  expect(() => mem.setU32(PAGE, 1)).toThrow();
  memory.grow(1);
  mem.setU64(PAGE + 8, 0x0102030405060708n);
  expect(mem.u64(PAGE + 8)).toBe(0x0102030405060708n);
  expect(mem.u32(PAGE + 8)).toBe(0x05060708);
});

test('strings: strict UTF-8 with a len, or up to a NUL', () => {
  const { mem, problems } = setup();
  mem.write(100, Buffer.from('héllo\0'));
  expect(mem.string(100, 6)).toBe('héllo');
  expect(Buffer.from(mem.cstring(100)!).toString()).toBe('héllo');
  mem.write(200, Uint8Array.of(0x66, 0xff, 0x6f));
  expect(() => mem.string(200, 3, 'path_open')).toThrow();
  expect(problems).toEqual([{ kind: 'utf8', ptr: 200, len: 3, what: 'path_open' }]);
  mem.bytes(PAGE - 2, 2).fill(0x41);
  expect(mem.cstring(PAGE - 2)).toBeUndefined(); // no NUL before memory ends
  expect(mem.cstring(PAGE)).toBeUndefined();
  expect(mem.cstring(-1)).toBeUndefined();
});

test('iovecs: each buffer of the list, each checked', () => {
  const { mem } = setup();
  // Two iovecs at 64: (1000, 3) and (2000, 0), written as the witx layout says: buf, buf_len.
  mem.write(64, Uint8Array.of(0xe8, 0x03, 0, 0, 3, 0, 0, 0, 0xd0, 0x07, 0, 0, 0, 0, 0, 0));
  mem.write(1000, Buffer.from('abc'));
  const list = mem.iovecs(64, 2);
  expect(list.map((b) => [b.byteOffset, Buffer.from(b).toString()])).toEqual([
    [1000, 'abc'],
    [2000, ''],
  ]);
  list[0]![0] = 0x7a; // a live view: fd_read fills guest memory through it
  expect(mem.string(1000, 3)).toBe('zbc');
  mem.setU32(64 + 4, PAGE); // a buffer running past the end
  expect(() => mem.iovecs(64, 1)).toThrow(/bounds 1000\+65536/);
  expect(() => mem.iovecs(PAGE - 8, 2)).toThrow(/bounds 65528\+16/);
});
