/**
 * The calls about the process rather than its files: arguments and environment, clocks,
 * randomness, exit, and the socket calls this host does not offer (NOTSUP, as a guest without
 * sockets expects).
 */
import { randomFillSync } from 'node:crypto';
import { Errno } from './abi.js';
import { clockNow, clockResolution } from './clocks.js';
import type { Calls, WasiContext } from './context.js';
import { WasiExit } from './errors.js';

export function procCalls(ctx: WasiContext): Calls {
  const { mem } = ctx;
  /** The strings one after another at `buf`, a pointer to each at `ptrs`. */
  const putStrings = (list: readonly Uint8Array[], ptrs: number, buf: number) => {
    let at = buf;
    list.forEach((s, i) => {
      mem.setU32(ptrs + i * 4, at);
      mem.write(at, s);
      at += s.length;
    });
  };
  const sizes = (list: readonly Uint8Array[], countPtr: number, sizePtr: number) => {
    mem.setU32(countPtr, list.length);
    mem.setU32(
      sizePtr,
      list.reduce((n, s) => n + s.length, 0),
    );
  };
  const notSupported = () => Errno.NOTSUP;
  return {
    args_get: (argv: number, buf: number) => putStrings(ctx.args, argv, buf),
    args_sizes_get: (count: number, size: number) => sizes(ctx.args, count, size),
    environ_get: (env: number, buf: number) => putStrings(ctx.env, env, buf),
    environ_sizes_get: (count: number, size: number) => sizes(ctx.env, count, size),

    clock_res_get: (id: number, ptr: number) => mem.setU64(ptr, clockResolution(id)),
    clock_time_get: (id: number, _precision: bigint, ptr: number) => mem.setU64(ptr, clockNow(id)),

    proc_exit: (code: number) => {
      throw new WasiExit(code);
    },
    proc_raise: notSupported,
    random_get: (buf: number, len: number) => {
      randomFillSync(mem.bytes(buf, len));
    },
    sched_yield: () => Errno.SUCCESS,
    sock_accept: notSupported,
    sock_recv: notSupported,
    sock_send: notSupported,
    sock_shutdown: notSupported,
  };
}
