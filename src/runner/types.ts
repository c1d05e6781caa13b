/**
 * The host's public types: a call and its result, the exit codes the runner (not the function)
 * gives, the budgets' limits and defaults, and the options a host is loaded with.
 */
import type { VmName } from '../faasm/profile.js';

/** What one Faasm call asks for: the Python function `<user>/<func>` and, for a chained call, its entry. */
export interface CallRequest {
  user: string;
  func: string;
  /** The Python entry; empty or absent means `faasm_main()` (called without arguments). */
  entry?: string;
  input?: Uint8Array;
  /** Overrides the host's per-call wall-clock limit. */
  timeoutMs?: number;
}

export interface CallResult {
  /** Call id as chained calls see it (`__faasm_chain_*` returns these). */
  id: number;
  /** The function's int on success; one of `ExitCode` when the call failed. */
  returnCode: number;
  /** What the function wrote with `__faasm_write_output` (bytes, not text). */
  output: Uint8Array;
  stdout: string;
  stderr: string;
  /** Wall time from start to finish, including a worker start when one was needed. */
  ms: number;
  /** One sentence saying why the call failed; absent when it returned 0 or its own int. */
  error?: string;
}

/** Return codes of calls the runner (not the function) ended. */
export const ExitCode = {
  /** An exception, a syntax error, a missing entry, a non-int return (reported by py_func). */
  functionError: 1,
  /** Refused before it ran: no such function, input over the limit. */
  rejected: 2,
  /** A wasm trap, an out-of-memory or a faulty host call. */
  trap: 134,
  /** The wall-clock limit was reached. */
  timeout: 124,
} as const;

/** The host's budgets; budgets.ts holds their flags, bounds and messages. */
export interface HostLimits {
  /** Wall clock per call, chained calls each get their own. */
  timeoutMs: number;
  /** Cap on the guest's linear memory (the module's declared maximum is lowered to it). */
  maxMemoryBytes: number;
  maxInputBytes: number;
  maxOutputBytes: number;
  /** Captured stdout/stderr per call; the rest is dropped with a note. */
  maxLogBytes: number;
  /** Bytes a call may store in its private /tmp (files, links and directory entries). */
  maxTmpBytes: number;
  /** Calls one top-level call may chain, transitively (stops fork bombs). */
  maxChainedCalls: number;
  /** How deep chained calls may nest (a top-level call is depth 0). */
  maxChainDepth: number;
  /** Chained calls of one top-level call running at once. */
  maxChainsInFlight: number;
  /** V8 heap of a call's worker thread (the JS side; wasm memory is capped separately). */
  workerHeapMb: number;
  /** Bytes one state key may hold (its value, and its appended elements together). */
  maxStateKeyBytes: number;
  /** Bytes all state on the host may hold, every user and key together. */
  maxStateBytes: number;
}

export const defaultLimits: HostLimits = {
  timeoutMs: 60_000,
  maxMemoryBytes: 1024 * 1024 * 1024,
  maxInputBytes: 16 * 1024 * 1024,
  maxOutputBytes: 16 * 1024 * 1024,
  maxLogBytes: 4 * 1024 * 1024,
  maxTmpBytes: 64 * 1024 * 1024,
  maxChainedCalls: 256,
  maxChainDepth: 10,
  maxChainsInFlight: 32,
  workerHeapMb: 256,
  maxStateKeyBytes: 64 * 1024 * 1024,
  maxStateBytes: 256 * 1024 * 1024,
};

export interface HostOptions {
  /** py_func.wasm (or any module implementing the entrypoint contract). */
  wasmPath: string;
  /** Seen by the guest as `/`, read-only (holds lib/python3.11). */
  runtimeRoot: string;
  /**
   * Where functions live: `<user>/<func>/function.py`. A call sees its own function's directory
   * read-only at `/pyfuncs/<user>/<func>` and nothing else of it. Default: `<runtimeRoot>/pyfuncs`.
   */
  functionsDir?: string;
  limits?: Partial<HostLimits>;
  /** `__faasm_conf_flag` answers: PYTHON_PRELOAD and friends (1 = on). */
  confFlags?: Record<string, number>;
  /** Guest environment, over Faasm's own (PYTHONWASM=1, PYTHONHOME=/, ...; host-interface.ts). */
  env?: Record<string, string>;
  /** Which Faasm VM's host ABI to model (default wavm, Faasm's default). */
  vm?: VmName;
  /** Keep state in this directory, so it outlives the host (default: in memory). */
  stateDir?: string;
  /** Where the host makes the calls' private /tmp directories (default: the OS's temp dir). */
  tempDir?: string;
  /**
   * Run `_faasm_zygote` once, keep the linear memory it leaves, and start later calls from that
   * snapshot, like Faasm does. Off: every call runs the zygote itself.
   */
  snapshot?: boolean;
  /**
   * Keep zygote snapshots in this directory, so a new host starts its first call from one too.
   * Only for a runtime root whose path names its content (a cached root layer).
   */
  snapshotDir?: string;
  /** Keep an instance restored from the snapshot ready in each idle worker (default on). */
  pool?: boolean;
  /**
   * End a worker idle this long (ms), keeping two warm, so a host's memory goes back to what it
   * was before a burst of calls (default 10 s).
   */
  idleWorkerMs?: number;
}
