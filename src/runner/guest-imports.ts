import { BudgetExceeded } from './budgets.js';
import type { HostReply, HostRequest, WorkerCall } from './protocol.js';
import { confFlag } from './host-interface.js';
import { MAX_NAME_BYTES, quoteName } from './names.js';
import { vmProfile, type VmName } from '../faasm/profile.js';
import { GuestMemory } from './wasi/guest-memory.js';

/** A fault in a host call: ends the call as a trap, with this message. */
export class HostCallError extends Error {}

/** What a guest's host calls may see of its call. */
export type GuestCallInfo = Pick<
  WorkerCall,
  | 'id'
  | 'user'
  | 'func'
  | 'entry'
  | 'input'
  | 'confFlags'
  | 'maxInputBytes'
  | 'maxOutputBytes'
  | 'maxStateKeyBytes'
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

/**
 * The `env` imports: every call the chosen Faasm VM defines (third-party/faasm/profile.json),
 * with Faasm's meaning, written against wasm32 (i32 everywhere). A call Faasm defines that this
 * host does not model traps with a sentence; a call the VM lacks is not offered (WAVM refuses
 * such a module when the host loads it; on WAMR, which links lazily, calling it traps).
 */
export function faasmImports(
  ctx: GuestContext,
  vm: VmName,
  moduleImports: readonly string[] = [],
): Record<string, Fn> {
  const mem = new GuestMemory(
    ctx.memory,
    ({ ptr, len, what }) =>
      new HostCallError(`${what}: buffer ${ptr}+${len} is outside the guest's memory`),
  );
  const read = (ptr: number, len: number, what: string) => mem.copy(ptr, len, what);
  const cstr = (ptr: number, what: string, max = Infinity): string => {
    const s = ptr > 0 ? mem.cstring(ptr) : undefined;
    if (!s) throw new HostCallError(`${what}: bad string pointer ${ptr}`);
    if (s.length > max) throw new HostCallError(`${what}: the name is over ${max} bytes`);
    return new TextDecoder().decode(s);
  };
  /** Copies what fits; returns how much was copied. */
  const copyOut = (data: Uint8Array, ptr: number, len: number, what: string): number => {
    const n = Math.max(0, Math.min(len, data.length));
    mem.write(ptr, data.subarray(0, n), what);
    return n;
  };
  /** The value and a NUL, cut to the buffer (Faasm writes it whole, past a short buffer). */
  const putString = (s: string, ptr: number, len: number, what: string) => {
    if (len <= 0) return;
    const enc = new TextEncoder().encode(s).subarray(0, len - 1);
    const out = mem.bytes(ptr, enc.length + 1, what);
    out.set(enc);
    out[enc.length] = 0;
  };
  // ctx.info is read at each call, never kept: an instance made before its call (host.ts,
  // prepare) learns which call it serves when that call starts.
  const host = (req: HostRequest) => ctx.host(req);
  const key = (ptr: number, what: string) => cstr(ptr, what, MAX_NAME_BYTES);
  /** Bytes for a state key, refused by their size before they are copied (as chainInput). */
  const stateData = (name: string, ptr: number, len: number, what: string): Uint8Array => {
    const max = ctx.info.maxStateKeyBytes;
    if (len > max) {
      throw new HostCallError(`state '${quoteName(name)}' would hold ${len} bytes, over the ${max}-byte limit per key`); // prettier-ignore
    }
    return read(ptr, len, what);
  };
  /** A chained call's input, refused by its size before a byte of it is copied. */
  const chainInput = (ptr: number, len: number, what: string): Uint8Array => {
    if (len > ctx.info.maxInputBytes) throw new BudgetExceeded('input');
    return read(ptr, len, what);
  };

  const impl: Record<string, Fn> = {
    __faasm_read_input(buf, len) {
      // len 0 asks for the size; otherwise copy what fits and say how much that was.
      if (len === 0) return ctx.info.input.length;
      return copyOut(ctx.info.input, buf, len, '__faasm_read_input');
    },
    __faasm_write_output(buf, len) {
      if (len > ctx.info.maxOutputBytes) throw new BudgetExceeded('output');
      ctx.output = read(buf, len, '__faasm_write_output');
    },
    __faasm_get_py_user: (buf, len) => putString(ctx.info.user, buf, len, '__faasm_get_py_user'),
    __faasm_get_py_func: (buf, len) => putString(ctx.info.func, buf, len, '__faasm_get_py_func'),
    __faasm_get_py_entry: (buf, len) => putString(ctx.info.entry, buf, len, '__faasm_get_py_entry'),
    __faasm_conf_flag: (k) => confFlag(cstr(k, '__faasm_conf_flag'), ctx.info.confFlags),

    __faasm_chain_py: (name, input, len) =>
      host({
        op: 'chain',
        caller: ctx.info.id,
        kind: 'py',
        name: cstr(name, '__faasm_chain_py', MAX_NAME_BYTES),
        input: chainInput(input, len, '__faasm_chain_py'),
      }).value! >>> 0,
    __faasm_chain_name: (name, input, len) =>
      host({
        op: 'chain',
        caller: ctx.info.id,
        kind: 'name',
        name: cstr(name, '__faasm_chain_name', MAX_NAME_BYTES),
        input: chainInput(input, len, '__faasm_chain_name'),
      }).value! >>> 0,
    __faasm_await_call: (id) =>
      host({ op: 'await', caller: ctx.info.id, callId: id >>> 0, output: false }).value!,
    __faasm_await_call_output(id, buf, len) {
      // Faasm copies the output into the buffer and returns the call's return code.
      const r = host({ op: 'await', caller: ctx.info.id, callId: id >>> 0, output: true });
      copyOut(r.data ?? new Uint8Array(0), buf, len, '__faasm_await_call_output');
      return r.value!;
    },

    __faasm_read_state(k, buf, len) {
      const name = key(k, '__faasm_read_state');
      // len 0 asks for the size; otherwise the key (created at len if missing) is copied as
      // far as it fits and its size returned.
      if (len === 0) return host({ op: 'stateSize', caller: ctx.info.id, key: name }).value!;
      const data = host({ op: 'stateRead', caller: ctx.info.id, key: name, len }).data!;
      copyOut(data, buf, len, '__faasm_read_state');
      return data.length;
    },
    __faasm_read_state_offset(k, totalLen, offset, buf, len) {
      const name = key(k, '__faasm_read_state_offset');
      const data = host({
        op: 'stateReadOffset',
        caller: ctx.info.id,
        key: name,
        totalLen,
        offset,
        len,
      }).data!;
      copyOut(data, buf, len, '__faasm_read_state_offset');
    },
    __faasm_write_state(k, buf, len) {
      const name = key(k, '__faasm_write_state');
      host({
        op: 'stateWrite',
        caller: ctx.info.id,
        key: name,
        data: stateData(name, buf, len, '__faasm_write_state'),
      });
    },
    __faasm_write_state_offset(k, totalLen, offset, buf, len) {
      const name = key(k, '__faasm_write_state_offset');
      const data = stateData(name, buf, len, '__faasm_write_state_offset');
      host({ op: 'stateWriteOffset', caller: ctx.info.id, key: name, totalLen, offset, data });
    },
    __faasm_append_state(k, buf, len) {
      const name = key(k, '__faasm_append_state');
      host({
        op: 'stateAppend',
        caller: ctx.info.id,
        key: name,
        data: stateData(name, buf, len, '__faasm_append_state'),
      });
    },
    __faasm_read_appended_state(k, buf, len, nElems) {
      const name = key(k, '__faasm_read_appended_state');
      const data = host({ op: 'stateReadAppended', caller: ctx.info.id, key: name, nElems }).data!;
      if (data.length > len) {
        throw new HostCallError(
          `appended state '${name}' is ${data.length} bytes, the buffer ${len}`,
        );
      }
      copyOut(data, buf, len, '__faasm_read_appended_state');
    },
    __faasm_clear_appended_state: (k) =>
      void host({
        op: 'stateClearAppended',
        caller: ctx.info.id,
        key: key(k, '__faasm_clear_appended_state'),
      }),
    __faasm_push_state: (k) =>
      void host({ op: 'statePush', caller: ctx.info.id, key: key(k, '__faasm_push_state') }),
    __faasm_push_state_partial: (k) =>
      void host({
        op: 'statePush',
        caller: ctx.info.id,
        key: key(k, '__faasm_push_state_partial'),
      }),
    __faasm_pull_state: (k, len) =>
      void host({ op: 'statePull', caller: ctx.info.id, key: key(k, '__faasm_pull_state'), len }),
    // Dirty flags matter for Faasm's partial pushes to a remote master; this host is the master.
    __faasm_flag_state_dirty: (k) => void key(k, '__faasm_flag_state_dirty'),
    __faasm_flag_state_offset_dirty: (k) => void key(k, '__faasm_flag_state_offset_dirty'),
  };
  for (const mode of ['read', 'write'] as const) {
    for (const op of ['lock', 'unlock'] as const) {
      const name = `__faasm_${op}_state_${mode}`;
      impl[name] = (k) => void host({ op, caller: ctx.info.id, key: key(k, name), mode });
    }
  }

  const all: Record<string, Fn> = {};
  const title = vmProfile(vm).title;
  for (const name of Object.keys(vmProfile(vm).imports.env ?? {})) {
    all[name] =
      impl[name] ??
      (() => {
        throw new HostCallError(
          `${name} is defined by Faasm's ${title} but not modelled by this local host`,
        );
      });
  }
  // WAMR links lazily: a module may import what it lacks, and only a call to it fails.
  for (const name of moduleImports) {
    all[name] ??= () => {
      throw new HostCallError(`${name} is not defined by Faasm's ${title} (--vm ${vm})`);
    };
  }
  return all;
}
