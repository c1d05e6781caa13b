// Kept only for src/runner/host.ts and src/runner/guest-instance.ts, which another change is
// splitting: the module ABI reader is src/wasm/module-abi.ts. Remove once they import it there.
export * from '../wasm/module-abi.js';
