/**
 * Serves the host calls a call's worker cannot answer alone (protocol.ts, HostRequest): state
 * and its locks, always the calling call's user's (one tenant never sees another's keys), and
 * chaining and awaiting, within the caller's call tree and its budgets (call-tree.ts). Which
 * host calls a guest has, and how they read its memory, is guest-imports.ts.
 */
import { BudgetExceeded } from './budgets.js';
import type { CallRecord, CallTrees } from './call-tree.js';
import type { HostReply, HostRequest } from './protocol.js';
import { StateLocks, type StateStore } from './state.js';
import type { CallRequest } from './types.js';

/** The Faasm function every Python function runs as (user `python`). */
export const PY_FUNC = 'py_func';

type ChainRequest = Extract<HostRequest, { op: 'chain' }>;

/** A call to start; `missing` names a Faasm function this host lacks (the call is refused). */
export type StartRequest = CallRequest & { missing?: string };

/**
 * What a chained call runs, as faasm/faasm src/wasm/chaining_util.cpp builds it: chain_py runs
 * another entry of the caller's Python function; chain_name runs the Faasm function of that
 * name for the caller's Faasm user, with the caller's py_user and py_func. Every Python function
 * is the Faasm function python/py_func, so chain_name("py_func") runs the caller's faasm_main
 * again and any other name is a function this host (running only py_func) lacks.
 */
export function chainedRequest(parent: CallRecord, req: ChainRequest): StartRequest {
  const { user, func } = parent.req;
  if (req.kind === 'py') return { user, func, entry: req.name, input: req.input };
  if (req.name === PY_FUNC) return { user, func, input: req.input };
  return { user, func, input: req.input, missing: `python/${req.name}` };
}

/** The answer to a host call that threw: the call traps with the message (or the budget). */
export function errorReply(err: unknown): HostReply {
  return {
    ok: false,
    error: err instanceof Error ? err.message : String(err),
    ...(err instanceof BudgetExceeded ? { budget: err.budget } : {}),
  };
}

export class HostCalls {
  private readonly locks = new StateLocks();

  constructor(
    private readonly state: StateStore,
    private readonly trees: CallTrees,
    /** Starts a call `parent` chained; returns its record. */
    private readonly start: (req: StartRequest, parent: CallRecord) => CallRecord,
  ) {}

  /** Answers one request (a refused one as an error reply: never throws). */
  serve(req: HostRequest): Promise<HostReply> {
    return this.answer(req).catch(errorReply);
  }

  /** Call `id` ended: the locks it holds or waits for go. */
  ended(id: number): void {
    this.locks.releaseAll(id);
  }

  private async answer(req: HostRequest): Promise<HostReply> {
    const s = this.state;
    const caller = this.trees.get(req.caller);
    if (!caller) throw new Error(`call ${req.caller} is not running`);
    const user = caller.req.user;
    switch (req.op) {
      case 'chain': {
        this.trees.admitChain(caller);
        return { ok: true, value: this.start(chainedRequest(caller, req), caller).id };
      }
      case 'await': {
        const target = this.trees.awaitable(caller, req.callId);
        // Faasm answers 1 when it cannot get a call's result (src/wasm/chaining_util.cpp).
        if (!target) return { ok: true, value: 1 };
        await target.done;
        const r = target.result!;
        if (req.output) this.trees.releaseHeld(target);
        return { ok: true, value: r.returnCode, data: r.output };
      }
      case 'stateSize':
        return { ok: true, value: s.size(user, req.key) };
      case 'stateRead':
        return { ok: true, data: s.kv(user, req.key, req.len) };
      case 'stateWrite':
        s.write(user, req.key, req.data);
        return { ok: true };
      case 'stateReadOffset':
        return { ok: true, data: s.readOffset(user, req.key, req.totalLen, req.offset, req.len) };
      case 'stateWriteOffset':
        s.writeOffset(user, req.key, req.totalLen, req.offset, req.data);
        return { ok: true };
      case 'stateAppend':
        s.append(user, req.key, req.data);
        return { ok: true };
      case 'stateReadAppended':
        return { ok: true, data: s.readAppended(user, req.key, req.nElems) };
      case 'stateClearAppended':
        s.clearAppended(user, req.key);
        return { ok: true };
      case 'statePush':
        s.push(user, req.key);
        return { ok: true };
      case 'statePull':
        s.pull(user, req.key, req.len);
        return { ok: true };
      case 'lock':
      case 'unlock': {
        // Faasm looks the key up without a size first, so a missing key is an error.
        s.kv(user, req.key, 0);
        const lockKey = `${user}/${req.key}`;
        if (req.op === 'lock') await this.locks.lock(lockKey, req.caller, req.mode);
        else this.locks.unlock(lockKey, req.caller, req.mode);
        return { ok: true };
      }
    }
  }
}
