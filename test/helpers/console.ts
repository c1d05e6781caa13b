// What a CLI command prints, captured: console.log lines in `out`, console.error lines in `err`.
import { afterEach, beforeEach, jest } from '@jest/globals';

export interface Captured {
  out: string[];
  err: string[];
}

/** Captures the console around each test of the file that calls it (at its top level). */
export function captureConsole(): Captured {
  const captured: Captured = { out: [], err: [] };
  beforeEach(() => {
    captured.out = [];
    captured.err = [];
    jest
      .spyOn(console, 'log')
      .mockImplementation((...a: unknown[]) => void captured.out.push(a.join(' ')));
    jest
      .spyOn(console, 'error')
      .mockImplementation((...a: unknown[]) => void captured.err.push(a.join(' ')));
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
  return captured;
}
