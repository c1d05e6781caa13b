import { describe, expect, test } from '@jest/globals';
import { BudgetExceeded } from '../../../src/runner/budgets.js';
import { CallTrees, type CallRecord } from '../../../src/runner/call-tree.js';
import type { CallResult } from '../../../src/runner/types.js';

const limits = { maxChainDepth: 2, maxChainsInFlight: 2, maxChainedCalls: 3 };
const out = (s: string) => Buffer.from(s);

function result(rec: CallRecord, returnCode = 0, output = ''): CallResult {
  return { id: rec.id, returnCode, output: out(output), stdout: 'o', stderr: 'e', ms: 1 };
}

const noOrphans = () => {
  throw new Error('no call should be orphaned');
};

describe('call trees', () => {
  test('ids count up; a chained call is in its caller’s tree, one level deeper', () => {
    const t = new CallTrees(limits);
    const root = t.open({ user: 'u', func: 'f', input: out('in') });
    const child = t.open({ user: 'u', func: 'f', entry: 'e' }, root);
    expect([root.id, child.id]).toEqual([1, 2]);
    expect([root.root, child.root]).toEqual([1, 1]);
    expect([root.depth, child.depth]).toEqual([0, 1]);
    expect(child.req).toEqual({ user: 'u', func: 'f', entry: 'e', input: new Uint8Array(0) });
    expect(t.get(2)).toBe(child);
  });

  test('chain depth: a call at the deepest level may not chain', () => {
    const t = new CallTrees(limits);
    const root = t.open({ user: 'u', func: 'f' });
    t.admitChain(root);
    const c1 = t.open({ user: 'u', func: 'f' }, root);
    t.admitChain(c1);
    const c2 = t.open({ user: 'u', func: 'f' }, c1);
    expect(() => t.admitChain(c2)).toThrow(BudgetExceeded);
    // The top-level call's failure names the budget its tree ran into.
    expect(t.budgetOf(root, undefined, true)).toBe('chainDepth');
    expect(t.budgetOf(root, undefined, false)).toBeUndefined();
  });

  test('chains in flight: running chained calls and held outputs count, the top-level call does not', () => {
    const t = new CallTrees({ ...limits, maxChainDepth: 10, maxChainedCalls: 100 });
    const root = t.open({ user: 'u', func: 'f' });
    t.admitChain(root);
    const a = t.open({ user: 'u', func: 'f' }, root);
    t.admitChain(root);
    const b = t.open({ user: 'u', func: 'f' }, root);
    expect(() => t.admitChain(root)).toThrow(new BudgetExceeded('chainsInFlight'));
    // A finished chained call whose output is held still counts...
    t.finish(a, result(a, 0, 'A'), noOrphans);
    expect(() => t.admitChain(root)).toThrow(BudgetExceeded);
    // ...until it is awaited for its output.
    t.releaseHeld(a);
    t.admitChain(root);
    expect(b.result).toBeUndefined();
  });

  test('chained calls in all, across the tree', () => {
    const t = new CallTrees({ ...limits, maxChainDepth: 10, maxChainsInFlight: 100 });
    const root = t.open({ user: 'u', func: 'f' });
    for (let i = 0; i < 3; i++) t.admitChain(root);
    expect(() => t.admitChain(root)).toThrow(new BudgetExceeded('chainedCalls'));
  });

  test('a call awaits only calls of its own tree, and never itself', () => {
    const t = new CallTrees(limits);
    const root = t.open({ user: 'u', func: 'f' });
    const child = t.open({ user: 'u', func: 'f' }, root);
    const other = t.open({ user: 'v', func: 'f' });
    expect(t.awaitable(root, child.id)).toBe(child);
    expect(t.awaitable(child, root.id)).toBe(root);
    expect(t.awaitable(root, root.id)).toBeUndefined();
    expect(t.awaitable(root, other.id)).toBeUndefined();
    expect(t.awaitable(root, 999)).toBeUndefined();
  });

  test('a finished chained call keeps its code and output (no logs) until awaited', async () => {
    const t = new CallTrees(limits);
    const root = t.open({ user: 'u', func: 'f' });
    const child = t.open({ user: 'u', func: 'f' }, root);
    t.finish(child, { ...result(child, 5, 'out'), error: 'why' }, noOrphans);
    await child.done;
    expect(child.result).toEqual({ id: 2, returnCode: 5, output: out('out'), ms: 1, stdout: '', stderr: '' }); // prettier-ignore
    expect(child.req.input.length).toBe(0);
    t.releaseHeld(child);
    expect(child.result!.output.length).toBe(0);
    expect(child.result!.returnCode).toBe(5);
  });

  test('a caller’s end releases its children’s held outputs; a top-level call keeps its own', () => {
    const t = new CallTrees(limits);
    const root = t.open({ user: 'u', func: 'f' });
    const child = t.open({ user: 'u', func: 'f' }, root);
    t.finish(child, result(child, 0, 'c'), noOrphans);
    t.finish(root, result(root, 0, 'r'), noOrphans);
    expect(child.result!.output.length).toBe(0);
    expect(Buffer.from(root.result!.output).toString()).toBe('r');
    expect(root.result!.stdout).toBe('o');
  });

  test('a tree is forgotten once its last call ends, not before', () => {
    const t = new CallTrees(limits);
    const root = t.open({ user: 'u', func: 'f' });
    const child = t.open({ user: 'u', func: 'f' }, root);
    t.finish(root, result(root), noOrphans);
    // The root ended well: its child runs on and can still be found.
    expect(t.get(root.id)).toBe(root);
    expect(child.result).toBeUndefined();
    t.finish(child, result(child), noOrphans);
    expect(t.size).toBe(0);
  });

  test('a failed top-level call orphans what it chained and left running', () => {
    const t = new CallTrees(limits);
    const root = t.open({ user: 'u', func: 'f' });
    const a = t.open({ user: 'u', func: 'f' }, root);
    const b = t.open({ user: 'u', func: 'f' }, a);
    const done = t.open({ user: 'u', func: 'f' }, root);
    t.finish(done, result(done), noOrphans);
    const orphans: number[] = [];
    t.finish(root, result(root, 134), (c) => {
      orphans.push(c.id);
      t.finish(c, result(c, 134), noOrphans);
    });
    expect(orphans).toEqual([a.id, b.id]);
    expect(t.size).toBe(0);
  });

  test('the budget a call ran into is its own, and the tree’s first for a failed top-level call', () => {
    const t = new CallTrees(limits);
    const root = t.open({ user: 'u', func: 'f' });
    const child = t.open({ user: 'u', func: 'f' }, root);
    expect(t.budgetOf(child, 'output', true)).toBe('output');
    expect(t.budgetOf(child, 'tmp', true)).toBe('tmp');
    expect(t.budgetOf(root, undefined, true)).toBe('output');
    expect(t.budgetOf(root, 'memory', true)).toBe('memory');
  });
});
