/**
 * The entrypoint a host runs: reading it, capping its memory, compiling it and checking it
 * against Faasm's link rules for the chosen VM (what Faasm refuses to load, the host refuses
 * too), and what a worker is given of it (`GuestModule`, each worker's first message).
 */
import { readFile } from 'node:fs/promises';
import { checkAbi, linkError, vmProfile, type VmName } from '../faasm/profile.js';
import { readModuleAbi, type ModuleAbi } from '../wasm/module-abi.js';
import { UserError } from '../util/errors.js';
import { lazyWasmValidation } from './v8-flags.js';
import { capModuleMemory } from './wasm-memory.js';

export interface GuestModule {
  module: WebAssembly.Module;
  /** Names of its `env` and `wasi_snapshot_preview1` imports. */
  env: readonly string[];
  wasi: readonly string[];
  /** Present when instances may be reset in place (see reusableInstances). */
  reuse?: { mutableGlobals: string[] };
}

/**
 * Whether an instance of the module can be reset in place (guest-instance.ts): every mutable
 * global is one the host can reach (exported), and no table or global is shared with the host
 * (imported or exported tables). Tables change only through table.* instructions, which wasm-ld
 * emits for dynamic linking alone; py_func links statically (test/integration/functions.test.ts
 * checks the binary for them).
 */
export function reusableInstances(abi: ModuleAbi): { mutableGlobals: string[] } | undefined {
  if (abi.hiddenMutableGlobals > 0) return undefined;
  if (abi.imports.some((i) => i.kind === 'table' || i.kind === 'global')) return undefined;
  if (abi.exports.some((e) => e.kind === 'table')) return undefined;
  return {
    mutableGlobals: abi.exports.filter((e) => e.global?.mutable).map((e) => e.name),
  };
}

/** The entrypoint's bytes as built, and as instantiated (its memory maximum lowered to the cap). */
export interface EntrypointBytes {
  bytes: Uint8Array;
  capped: Uint8Array<ArrayBuffer>;
}

export async function readEntrypoint(
  wasmPath: string,
  maxMemoryBytes: number,
): Promise<EntrypointBytes> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(wasmPath);
  } catch {
    throw new UserError(
      `Cannot read the entrypoint ${wasmPath}; build the func layer or pass --wasm.`,
    );
  }
  return { bytes, capped: capModuleMemory(bytes, maxMemoryBytes).bytes };
}

/** Compiles the entrypoint and refuses one Faasm's `vm` would not load. */
export async function compileGuest(
  wasmPath: string,
  { bytes, capped }: EntrypointBytes,
  vm: VmName,
): Promise<GuestModule> {
  let module: WebAssembly.Module;
  try {
    lazyWasmValidation();
    module = await WebAssembly.compile(capped);
  } catch (err) {
    throw new UserError(`${wasmPath} is not a usable entrypoint: ${(err as Error).message}.`);
  }
  const abi = readModuleAbi(bytes);
  const refused = linkError(
    `${wasmPath} cannot run on Faasm's ${vmProfile(vm).title}: it`,
    checkAbi(abi, vm),
  );
  if (refused) throw new UserError(refused);
  const names = (kind: string) =>
    WebAssembly.Module.imports(module)
      .filter((i) => i.module === kind)
      .map((i) => i.name);
  return {
    module,
    env: names('env'),
    wasi: names('wasi_snapshot_preview1'),
    reuse: reusableInstances(abi),
  };
}
