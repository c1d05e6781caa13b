/**
 * Call trees: a top-level call and every call it chains, transitively. A tree keeps its calls'
 * records while any of them runs (so a chained call can be awaited), counts what the chain
 * budgets bound (depth, calls in flight, calls in all: budgets.ts) and remembers the first one
 * any of its calls ran into, and holds a finished chained call's output until it is awaited or
 * its caller ends. When a top-level call fails, what it chained and left running ends with it.
 * Running the calls is the host's (host.ts).
 */
import { BudgetExceeded, type BudgetName } from './budgets.js';
import type { CallRequest, CallResult, HostLimits } from './types.js';
import type { PoolWorker } from './worker-pool.js';

const NOTHING = new Uint8Array(0);

export interface CallRecord {
  id: number;
  root: number;
  /** The call that chained this one (absent for a top-level call). */
  parent?: CallRecord;
  /** Chained calls this one made that have finished and whose output is still held. */
  held: Set<CallRecord>;
  /** 0 for a top-level call, the caller's depth + 1 for a chained one. */
  depth: number;
  /** The input is released (emptied) when the call ends: nothing reads it after that. */
  req: Required<Pick<CallRequest, 'user' | 'func' | 'entry'>> & { input: Uint8Array };
  started: number;
  /** Resolves when the call has ended (its result is `result`). */
  done: Promise<void>;
  resolve(): void;
  /**
   * Set when the call ends. For a chained call only what await can read is kept: its return
   * code, and its output until that is awaited or the call that chained it ends.
   */
  result?: CallResult;
  worker?: PoolWorker<CallRecord>;
  timer?: NodeJS.Timeout;
  /** The call's private /tmp on the host, taken back when the call is over. */
  tmpDir?: string;
}

interface Tree {
  chained: number;
  open: Set<number>;
  /** Finished chained calls whose output is still held: they count as in flight. */
  held: number;
  /** The first budget a call of this tree ran into: the top-level call's error names it. */
  budget?: BudgetName;
}

export type ChainLimits = Pick<
  HostLimits,
  'maxChainDepth' | 'maxChainsInFlight' | 'maxChainedCalls'
>;

export class CallTrees {
  private calls = new Map<number, CallRecord>();
  private trees = new Map<number, Tree>();
  private nextId = 1;

  constructor(private readonly limits: ChainLimits) {}

  /** Calls not yet forgotten (their tree still runs). */
  get size(): number {
    return this.calls.size;
  }

  get(id: number): CallRecord | undefined {
    return this.calls.get(id);
  }

  /** Every call still known, finished or not. */
  records(): CallRecord[] {
    return [...this.calls.values()];
  }

  /** Records a new call: a top-level one, or one `parent` chained (see admitChain). */
  open(req: CallRequest, parent?: CallRecord): CallRecord {
    const id = this.nextId++;
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const rec: CallRecord = {
      id,
      root: parent?.root ?? id,
      parent,
      held: new Set(),
      depth: parent ? parent.depth + 1 : 0,
      req: { user: req.user, func: req.func, entry: req.entry ?? '', input: req.input ?? NOTHING },
      started: performance.now(),
      done,
      resolve,
    };
    this.calls.set(id, rec);
    if (!parent) this.trees.set(id, { chained: 0, open: new Set([id]), held: 0 });
    else this.trees.get(rec.root)?.open.add(id);
    return rec;
  }

  /**
   * Lets `caller` chain one more call, or throws BudgetExceeded naming the first chain budget
   * that would go over (and the tree remembers it).
   */
  admitChain(caller: CallRecord): void {
    const tree = this.trees.get(caller.root)!;
    const over = (budget: BudgetName) => {
      tree.budget ??= budget;
      throw new BudgetExceeded(budget);
    };
    if (caller.depth + 1 > this.limits.maxChainDepth) over('chainDepth');
    // Open calls of the tree, less the top-level one, are its chained calls in flight; so are
    // finished ones whose output the host still holds.
    const inFlight = tree.open.size - (tree.open.has(caller.root) ? 1 : 0) + tree.held;
    if (inFlight >= this.limits.maxChainsInFlight) over('chainsInFlight');
    if (++tree.chained > this.limits.maxChainedCalls) over('chainedCalls');
  }

  /**
   * The call `caller` may await as `callId`. Faasm looks the result up by the caller's app id
   * and the call id (faasm/faasm src/wasm/chaining_util.cpp @ 53281098, awaitChainedCall and
   * awaitChainedCallOutput: getMessageResult(appId, messageId)), and chained calls share their
   * caller's app: here, its tree. Another tree's call, another tenant's included, is not found,
   * nor is the caller itself (it would wait out Faasm's chained-call timeout to get the same).
   */
  awaitable(caller: CallRecord, callId: number): CallRecord | undefined {
    const target = this.calls.get(callId);
    return target && target.root === caller.root && callId !== caller.id ? target : undefined;
  }

  /**
   * The budget a finished call's result names: the one it ran into, or for a failed top-level
   * call the one its tree ran into, whichever call hit it.
   */
  budgetOf(
    rec: CallRecord,
    ranInto: BudgetName | undefined,
    failed: boolean,
  ): BudgetName | undefined {
    const tree = this.trees.get(rec.root);
    if (ranInto && tree) tree.budget ??= ranInto;
    return ranInto ?? (rec.id === rec.root && failed ? tree?.budget : undefined);
  }

  /**
   * Records that `rec` ended with `result`. A failed top-level call's chained calls still open
   * are given to `orphan`, which ends them (calling finish for each).
   */
  finish(rec: CallRecord, result: CallResult, orphan: (child: CallRecord) => void): void {
    const tree = this.trees.get(rec.root);
    rec.req.input = NOTHING;
    // A chained call's logs and error text are read by no one; its output by an await (see
    // releaseHeld), its return code by any await.
    const { id, returnCode, output, ms } = result;
    rec.result = rec.parent ? { id, returnCode, output, ms, stdout: '', stderr: '' } : result;
    // Its own unawaited children: no one else knows their ids, so their outputs go.
    for (const child of rec.held) this.releaseHeld(child);
    if (rec.parent && !rec.parent.result && tree) {
      rec.parent.held.add(rec);
      tree.held++;
    } else releaseOutput(rec);
    rec.resolve();
    tree?.open.delete(rec.id);
    if (tree && rec.id === rec.root && result.returnCode !== 0) {
      for (const child of [...tree.open].map((c) => this.calls.get(c))) {
        if (child && !child.result) orphan(child);
      }
    }
    if (tree && tree.open.size === 0) {
      for (const [cid, r] of this.calls) if (r.root === rec.root) this.calls.delete(cid);
      this.trees.delete(rec.root);
    }
  }

  /** Stops holding a finished chained call's output (it was awaited, or its caller ended). */
  releaseHeld(rec: CallRecord): void {
    const tree = this.trees.get(rec.root);
    if (rec.parent?.held.delete(rec) && tree) tree.held--;
    releaseOutput(rec);
  }
}

/** A top-level call's output is its caller's: only a chained call's is released. */
function releaseOutput(rec: CallRecord): void {
  if (rec.parent && rec.result) rec.result = { ...rec.result, output: NOTHING };
}
