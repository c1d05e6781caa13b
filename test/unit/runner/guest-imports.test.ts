import { expect, test } from '@jest/globals';
import { BudgetExceeded } from '../../../src/runner/budgets.js';
import {
  HostCallError,
  faasmImports,
  type GuestContext,
} from '../../../src/runner/guest-imports.js';
import type { HostRequest } from '../../../src/runner/protocol.js';

// What a guest hands the host is refused by its size in the guest's own worker, before a byte
// of it is copied or sent: a chained input over the input budget, a state value over the
// per-key limit, a name over 1024 bytes.
test('oversized chained inputs, state values and names never reach the host', () => {
  const memory = new WebAssembly.Memory({ initial: 40 }); // 2.5 MiB
  const sent: HostRequest[] = [];
  const ctx: GuestContext = {
    info: {
      id: 1,
      user: 'u',
      func: 'f',
      entry: '',
      input: new Uint8Array(0),
      confFlags: {},
      maxInputBytes: 1024,
      maxOutputBytes: 1024,
      maxStateKeyBytes: 1024,
    },
    memory: () => memory,
    host: (req) => {
      sent.push(req);
      return { ok: true, value: 0 };
    },
    output: new Uint8Array(0),
  };
  const env = faasmImports(ctx, 'wavm');
  const bytes = new Uint8Array(memory.buffer);
  const name = (at: number, s: string) => {
    bytes.set(Buffer.from(`${s}\0`), at);
    return at;
  };
  const entry = name(16, 'child');
  const key = name(64, 'k');
  const long = name(128, 'x'.repeat(2000));
  const big = 2 * 1024 * 1024;
  expect(() => env.__faasm_chain_py!(entry, 4096, big)).toThrow(BudgetExceeded);
  expect(() => env.__faasm_chain_name!(entry, 4096, big)).toThrow(BudgetExceeded);
  for (const fn of ['__faasm_write_state', '__faasm_append_state'] as const) {
    expect(() => env[fn]!(key, 4096, big)).toThrow(
      new HostCallError(`state 'k' would hold ${big} bytes, over the 1024-byte limit per key`),
    );
  }
  expect(() => env.__faasm_write_state_offset!(key, big, 0, 4096, big)).toThrow(/1024-byte limit per key/); // prettier-ignore
  expect(() => env.__faasm_write_state!(long, 4096, 1)).toThrow(
    new HostCallError('__faasm_write_state: the name is over 1024 bytes'),
  );
  expect(() => env.__faasm_chain_py!(long, 4096, 1)).toThrow(/the name is over 1024 bytes/);
  expect(sent).toEqual([]);
  // Within the limits, the host is asked.
  env.__faasm_chain_py!(entry, 4096, 1024);
  env.__faasm_write_state!(key, 4096, 1024);
  expect(sent.map((r) => r.op)).toEqual(['chain', 'stateWrite']);
});
