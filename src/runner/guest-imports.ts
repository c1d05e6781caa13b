import type { HostReply, HostRequest, WorkerCall } from './protocol.js';
import { FAASM_HOST_INTERFACE, type HostInterfaceName } from './host-interface.js';

/** A fault in a host call: ends the call as a trap, with this message. */
export class HostCallError extends Error {}

/** What a guest's host calls may see of its call. */
export type GuestCallInfo = Pick<
  WorkerCall,
  'id' | 'user' | 'func' | 'entry' | 'input' | 'confFlags' | 'maxOutputBytes'
>;

export interface GuestContext {
  info: GuestCallInfo;
  memory(): WebAssembly.Memory;
  /** Synchronous round trip to the host (see protocol.ts). */
  host(req: HostRequest): HostReply & { ok: true };
  /** The call's output so far (`__faasm_write_output` replaces it, as in Faasm). */
  output: Uint8Array;
}

type Fn = (...args: number[]) => number | void;

/** The `env` imports, written against the Faasm host interface on wasm32 (i32 everywhere). */
export function faasmImports(ctx: GuestContext): Record<string, Fn> {
  const bytes = () => new Uint8Array(ctx.memory().buffer);
  const check = (ptr: number, len: number, what: string) => {
    if (ptr < 0 || len < 0 || ptr + len > ctx.memory().buffer.byteLength) {
      throw new HostCallError(`${what}: buffer ${ptr}+${len} is outside the guest's memory`);
    }
  };
  const read = (ptr: number, len: number, what: string): Uint8Array => {
    check(ptr, len, what);
    return bytes().slice(ptr, ptr + len);
  };
  const cstr = (ptr: number, what: string): string => {
    const mem = bytes();
    const end = mem.indexOf(0, ptr);
    if (ptr <= 0 || end < 0) throw new HostCallError(`${what}: bad string pointer ${ptr}`);
    return new TextDecoder().decode(mem.subarray(ptr, end));
  };
  /** Copies what fits; returns how much was copied. */
  const copyOut = (data: Uint8Array, ptr: number, len: number, what: string): number => {
    const n = Math.min(len, data.length);
    check(ptr, n, what);
    bytes().set(data.subarray(0, n), ptr);
    return n;
  };
  const putString = (s: string, ptr: number, len: number, what: string) => {
    if (len <= 0) return;
    const enc = new TextEncoder().encode(s).subarray(0, len - 1);
    check(ptr, enc.length + 1, what);
    const mem = bytes();
    mem.set(enc, ptr);
    mem[ptr + enc.length] = 0;
  };
  const caller = ctx.info.id;
  const host = (req: HostRequest) => ctx.host(req);

  const impl: Partial<Record<HostInterfaceName, Fn>> = {
    __faasm_read_input(buf, len) {
      // len 0 asks for the size; otherwise copy what fits and say how much that was.
      if (len === 0) return ctx.info.input.length;
      return copyOut(ctx.info.input, buf, len, '__faasm_read_input');
    },
    __faasm_write_output(buf, len) {
      if (len > ctx.info.maxOutputBytes) {
        throw new HostCallError(
          `output of ${len} bytes is over the ${ctx.info.maxOutputBytes}-byte limit`,
        );
      }
      ctx.output = read(buf, len, '__faasm_write_output');
    },
    __faasm_get_py_user: (buf, len) => putString(ctx.info.user, buf, len, '__faasm_get_py_user'),
    __faasm_get_py_func: (buf, len) => putString(ctx.info.func, buf, len, '__faasm_get_py_func'),
    __faasm_get_py_entry: (buf, len) => putString(ctx.info.entry, buf, len, '__faasm_get_py_entry'),
    __faasm_conf_flag: (key) => (ctx.info.confFlags[cstr(key, '__faasm_conf_flag')] ?? 0) >>> 0,

    __faasm_chain_py: (name, input, len) =>
      host({
        op: 'chain',
        caller,
        kind: 'py',
        name: cstr(name, '__faasm_chain_py'),
        input: read(input, len, '__faasm_chain_py'),
      }).value! >>> 0,
    __faasm_chain_name: (name, input, len) =>
      host({
        op: 'chain',
        caller,
        kind: 'name',
        name: cstr(name, '__faasm_chain_name'),
        input: read(input, len, '__faasm_chain_name'),
      }).value! >>> 0,
    __faasm_await_call: (id) => host({ op: 'await', caller, callId: id >>> 0 }).value!,
    __faasm_await_call_output(id, buf, len) {
      // Faasm's await_call_output copies the output and returns the call's return code; here a
      // length of 0 returns the output's size instead (the read_input/read_state convention),
      // so a guest can size its buffer first.
      const r = host({ op: 'await', caller, callId: id >>> 0 });
      const out = r.data ?? new Uint8Array(0);
      if (len === 0) return out.length;
      copyOut(out, buf, len, '__faasm_await_call_output');
      return r.value!;
    },

    __faasm_read_state(key, buf, len) {
      const k = cstr(key, '__faasm_read_state');
      if (len === 0) return host({ op: 'stateSize', caller, key: k }).value!;
      const data = host({ op: 'stateRead', caller, key: k }).data!;
      copyOut(data, buf, len, '__faasm_read_state');
      return data.length;
    },
    __faasm_read_state_offset(key, totalLen, offset, buf, len) {
      const k = cstr(key, '__faasm_read_state_offset');
      const data = host({ op: 'stateReadOffset', caller, key: k, totalLen, offset, len }).data!;
      copyOut(data, buf, len, '__faasm_read_state_offset');
    },
    __faasm_write_state(key, buf, len) {
      const k = cstr(key, '__faasm_write_state');
      host({ op: 'stateWrite', caller, key: k, data: read(buf, len, '__faasm_write_state') });
    },
    __faasm_write_state_offset(key, totalLen, offset, buf, len) {
      const k = cstr(key, '__faasm_write_state_offset');
      const data = read(buf, len, '__faasm_write_state_offset');
      host({ op: 'stateWriteOffset', caller, key: k, totalLen, offset, data });
    },
    __faasm_append_state(key, buf, len) {
      const k = cstr(key, '__faasm_append_state');
      host({ op: 'stateAppend', caller, key: k, data: read(buf, len, '__faasm_append_state') });
    },
    __faasm_read_appended_state(key, buf, len, nElems) {
      const k = cstr(key, '__faasm_read_appended_state');
      const data = host({ op: 'stateReadAppended', caller, key: k, nElems }).data!;
      if (data.length > len) {
        throw new HostCallError(`appended state '${k}' is ${data.length} bytes, the buffer ${len}`);
      }
      copyOut(data, buf, len, '__faasm_read_appended_state');
    },
    __faasm_clear_appended_state: (key) =>
      void host({
        op: 'stateClearAppended',
        caller,
        key: cstr(key, '__faasm_clear_appended_state'),
      }),
    __faasm_push_state: (key) =>
      void host({ op: 'statePush', caller, key: cstr(key, '__faasm_push_state') }),
    __faasm_push_state_partial: (key) =>
      void host({ op: 'statePush', caller, key: cstr(key, '__faasm_push_state_partial') }),
    __faasm_pull_state: (key, len) =>
      void host({ op: 'statePull', caller, key: cstr(key, '__faasm_pull_state'), len }),
    // Dirty flags matter for Faasm's partial pushes to a remote master; this host is the master.
    __faasm_flag_state_dirty: (key) => void cstr(key, '__faasm_flag_state_dirty'),
    __faasm_flag_state_offset_dirty: (key) => void cstr(key, '__faasm_flag_state_offset_dirty'),
    __faasm_lock_state_read: (key) =>
      void host({ op: 'lock', caller, key: cstr(key, '__faasm_lock_state_read'), mode: 'read' }),
    __faasm_unlock_state_read: (key) =>
      void host({
        op: 'unlock',
        caller,
        key: cstr(key, '__faasm_unlock_state_read'),
        mode: 'read',
      }),
    __faasm_lock_state_write: (key) =>
      void host({ op: 'lock', caller, key: cstr(key, '__faasm_lock_state_write'), mode: 'write' }),
    __faasm_unlock_state_write: (key) =>
      void host({
        op: 'unlock',
        caller,
        key: cstr(key, '__faasm_unlock_state_write'),
        mode: 'write',
      }),
    __faasm_lock_state_global: (key) =>
      void host({ op: 'lock', caller, key: cstr(key, '__faasm_lock_state_global'), mode: 'write' }),
    __faasm_unlock_state_global: (key) =>
      void host({
        op: 'unlock',
        caller,
        key: cstr(key, '__faasm_unlock_state_global'),
        mode: 'write',
      }),
  };

  // The rest (pointer-returning state views, chain_ptr, file state, masks) need shared memory
  // mappings or function tables this runner does not model: calling one ends the call clearly.
  const all: Record<string, Fn> = {};
  for (const name of FAASM_HOST_INTERFACE) {
    all[name] =
      impl[name] ??
      (() => {
        throw new HostCallError(
          `${name} is part of Faasm's host interface but not supported by this runner`,
        );
      });
  }
  return all;
}
