import { describe, expect, test } from '@jest/globals';
import { BudgetExceeded } from '../../../src/runner/budgets.js';
import { CallTrees, type CallRecord } from '../../../src/runner/call-tree.js';
import {
  HostCalls,
  chainedRequest,
  errorReply,
  type StartRequest,
} from '../../../src/runner/host-calls.js';
import { StateStore } from '../../../src/runner/state.js';

const b = (s: string) => Buffer.from(s);
const noOrphans = () => {};

/** A host's host calls over real state and call trees; started calls are only recorded. */
function setup(limits = { maxChainDepth: 5, maxChainsInFlight: 5, maxChainedCalls: 5 }) {
  const state = new StateStore();
  const trees = new CallTrees(limits);
  const started: StartRequest[] = [];
  const calls = new HostCalls(state, trees, (req, parent) => {
    started.push(req);
    return trees.open(req, parent);
  });
  return { state, trees, calls, started };
}

describe('the host calls a worker cannot answer alone', () => {
  test('state is the caller’s user’s: another tenant does not see it', async () => {
    const { trees, calls, state } = setup();
    const alice = trees.open({ user: 'alice', func: 'f' });
    const bob = trees.open({ user: 'bob', func: 'f' });
    expect(await calls.serve({ op: 'stateWrite', caller: alice.id, key: 'k', data: b('abc') })).toEqual({ ok: true }); // prettier-ignore
    expect(await calls.serve({ op: 'stateSize', caller: alice.id, key: 'k' })).toEqual({ ok: true, value: 3 }); // prettier-ignore
    expect(await calls.serve({ op: 'stateSize', caller: bob.id, key: 'k' })).toEqual({ ok: true, value: 0 }); // prettier-ignore
    const read = await calls.serve({ op: 'stateRead', caller: bob.id, key: 'k', len: 3 });
    expect(read).toEqual({ ok: true, data: new Uint8Array(3) });
    expect(state.keys().sort()).toEqual(['alice/k', 'bob/k']);
  });

  test('a state error is an error reply (the call traps with it), not a throw', async () => {
    const { trees, calls } = setup();
    const c = trees.open({ user: 'u', func: 'f' });
    const r = await calls.serve({ op: 'lock', caller: c.id, key: 'never', mode: 'write' });
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/'never' does not exist/) });
  });

  test('chain_py runs another entry of the caller; chain_name py_func reruns it; any other name is missing', () => {
    const parent = new CallTrees({ maxChainDepth: 1, maxChainsInFlight: 1, maxChainedCalls: 1 }).open({ user: 'u', func: 'f', entry: 'e' }); // prettier-ignore
    const input = b('i');
    expect(chainedRequest(parent, { op: 'chain', caller: 1, kind: 'py', name: 'g', input })).toEqual({ user: 'u', func: 'f', entry: 'g', input }); // prettier-ignore
    expect(chainedRequest(parent, { op: 'chain', caller: 1, kind: 'name', name: 'py_func', input })).toEqual({ user: 'u', func: 'f', input }); // prettier-ignore
    expect(chainedRequest(parent, { op: 'chain', caller: 1, kind: 'name', name: 'echo', input })).toEqual({ user: 'u', func: 'f', input, missing: 'python/echo' }); // prettier-ignore
  });

  test('chaining starts the call in the caller’s tree and answers its id, within the budgets', async () => {
    const { trees, calls, started } = setup({ maxChainDepth: 5, maxChainsInFlight: 5, maxChainedCalls: 1 }); // prettier-ignore
    const root = trees.open({ user: 'u', func: 'f' });
    const r = await calls.serve({ op: 'chain', caller: root.id, kind: 'py', name: 'g', input: b('') }); // prettier-ignore
    expect(r).toEqual({ ok: true, value: 2 });
    expect(trees.get(2)!.parent).toBe(root);
    expect(started).toHaveLength(1);
    const over = await calls.serve({ op: 'chain', caller: root.id, kind: 'py', name: 'g', input: b('') }); // prettier-ignore
    expect(over).toEqual({ ok: false, error: 'over the chained calls budget', budget: 'chainedCalls' }); // prettier-ignore
    expect(started).toHaveLength(1);
  });

  test('await answers when the call ends: its code, and its output (then released)', async () => {
    const { trees, calls } = setup();
    const root = trees.open({ user: 'u', func: 'f' });
    const child = trees.open({ user: 'u', func: 'f' }, root);
    const waiting = calls.serve({ op: 'await', caller: root.id, callId: child.id, output: true });
    trees.finish(child, { id: child.id, returnCode: 3, output: b('out'), stdout: '', stderr: '', ms: 1 }, noOrphans); // prettier-ignore
    expect(await waiting).toEqual({ ok: true, value: 3, data: b('out') });
    expect(child.result!.output.length).toBe(0);
    // Another tree's call, or itself, awaits as 1 (Faasm's answer when it finds no result).
    const other = trees.open({ user: 'u', func: 'f' });
    expect(await calls.serve({ op: 'await', caller: root.id, callId: other.id, output: false })).toEqual({ ok: true, value: 1 }); // prettier-ignore
    expect(await calls.serve({ op: 'await', caller: root.id, callId: root.id, output: false })).toEqual({ ok: true, value: 1 }); // prettier-ignore
  });

  test('a call’s locks go when it ends: a waiting call gets the lock', async () => {
    const { trees, calls, state } = setup();
    state.write('u', 'k', b('v'));
    const a: CallRecord = trees.open({ user: 'u', func: 'f' });
    const c: CallRecord = trees.open({ user: 'u', func: 'f' });
    expect(await calls.serve({ op: 'lock', caller: a.id, key: 'k', mode: 'write' })).toEqual({ ok: true }); // prettier-ignore
    let got = false;
    const waiting = calls.serve({ op: 'lock', caller: c.id, key: 'k', mode: 'write' }).then((r) => ((got = true), r)); // prettier-ignore
    await new Promise((r) => setImmediate(r));
    expect(got).toBe(false);
    calls.ended(a.id);
    expect(await waiting).toEqual({ ok: true });
  });

  test('errorReply carries the budget a BudgetExceeded names', () => {
    expect(errorReply(new BudgetExceeded('input'))).toEqual({ ok: false, error: 'over the input budget', budget: 'input' }); // prettier-ignore
    expect(errorReply('plain')).toEqual({ ok: false, error: 'plain' });
  });
});
