/**
 * How a WASI call ends: an errno for the guest, or an unwind. Helpers throw WasiError (mounts.ts)
 * with the errno the spec wants; node's own errors become the matching errno; proc_exit's
 * WasiExit and anything unexpected (a host bug) go through to the guest's caller.
 */
import { Errno, errnoOfCode } from './abi.js';
import { WasiError } from './mounts.js';

/** proc_exit: unwinds the guest; `Wasi.run` turns it into the exit code. */
export class WasiExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export function errnoOf(err: unknown): number {
  if (err instanceof WasiExit) throw err;
  if (err instanceof WasiError) return err.errno;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('E')) return errnoOfCode[code] ?? Errno.IO;
  if (err instanceof RangeError && !/call stack/i.test(err.message)) return Errno.FAULT;
  throw err;
}
