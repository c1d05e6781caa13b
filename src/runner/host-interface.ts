/**
 * The `env` imports of Faasm's host interface (faasm/faasm include/faasm/host_interface.h), the
 * only non-WASI imports py_func.wasm may have. On wasm32 `long` and pointers are i32.
 */
export const FAASM_HOST_INTERFACE = [
  '__faasm_read_state',
  '__faasm_read_state_ptr',
  '__faasm_write_state',
  '__faasm_append_state',
  '__faasm_read_appended_state',
  '__faasm_clear_appended_state',
  '__faasm_write_state_offset',
  '__faasm_write_state_from_file',
  '__faasm_read_state_offset',
  '__faasm_flag_state_dirty',
  '__faasm_flag_state_offset_dirty',
  '__faasm_read_state_offset_ptr',
  '__faasm_push_state',
  '__faasm_push_state_partial',
  '__faasm_push_state_partial_mask',
  '__faasm_pull_state',
  '__faasm_lock_state_global',
  '__faasm_unlock_state_global',
  '__faasm_lock_state_read',
  '__faasm_unlock_state_read',
  '__faasm_lock_state_write',
  '__faasm_unlock_state_write',
  '__faasm_read_input',
  '__faasm_write_output',
  '__faasm_chain_name',
  '__faasm_chain_ptr',
  '__faasm_await_call',
  '__faasm_await_call_output',
  '__faasm_get_py_user',
  '__faasm_get_py_func',
  '__faasm_get_py_entry',
  '__faasm_chain_py',
  '__faasm_conf_flag',
] as const;

export type HostInterfaceName = (typeof FAASM_HOST_INTERFACE)[number];

export const ALLOWED_IMPORT_MODULES = ['wasi_snapshot_preview1', 'env'] as const;

/** Imports of a module that are neither WASI nor a Faasm host-interface function. */
export function foreignImports(module: WebAssembly.Module): string[] {
  const known = new Set<string>(FAASM_HOST_INTERFACE);
  return WebAssembly.Module.imports(module)
    .filter((i) =>
      i.module === 'env'
        ? !(i.kind === 'function' && known.has(i.name))
        : i.module !== 'wasi_snapshot_preview1',
    )
    .map((i) => `${i.module}.${i.name} (${i.kind})`);
}
