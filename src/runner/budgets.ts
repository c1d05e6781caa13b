/**
 * The host's resource budgets in one place: what each one is, its flag, its bounds, the one
 * sentence a call that exceeds it fails with, and the parsing of the flags. The limits
 * themselves (names and defaults) are `HostLimits` in types.ts.
 */
import { UsageError } from '../util/errors.js';
import { describeRange, parseNumber, type NumberSpec } from '../util/number.js';
import { defaultLimits, type HostLimits } from './types.js';

const MiB = 1024 * 1024;

export type BudgetName =
  | 'memory'
  | 'time'
  | 'input'
  | 'output'
  | 'log'
  | 'tmp'
  | 'chainDepth'
  | 'chainsInFlight'
  | 'chainedCalls';

interface Budget {
  key: keyof HostLimits;
  /** What the budget bounds, for the sentence ("the guest memory budget"). */
  what: string;
  flag: string;
  /** How the flag's number maps to the limit's unit. */
  unit: 'MiB' | 's' | 'count';
  min: number;
  max: number;
  /** A second help line, where the budget covers more than its name says. */
  note?: string;
}

export const BUDGETS: Record<BudgetName, Budget> = {
  memory: { key: 'maxMemoryBytes', what: 'guest memory', flag: '--memory-mb', unit: 'MiB', min: 16, max: 4096 }, // prettier-ignore
  time: { key: 'timeoutMs', what: 'wall time', flag: '--timeout', unit: 's', min: 0.001, max: 86_400 }, // prettier-ignore
  input: { key: 'maxInputBytes', what: 'input', flag: '--input-mb', unit: 'MiB', min: 0, max: 1024 }, // prettier-ignore
  output: { key: 'maxOutputBytes', what: 'output', flag: '--output-mb', unit: 'MiB', min: 0, max: 1024 }, // prettier-ignore
  log: { key: 'maxLogBytes', what: 'stdout/stderr', flag: '--log-mb', unit: 'MiB', min: 0, max: 1024 }, // prettier-ignore
  tmp: { key: 'maxTmpBytes', what: '/tmp', flag: '--tmp-mb', unit: 'MiB', min: 0, max: 1024 * 1024 }, // prettier-ignore
  chainDepth: { key: 'maxChainDepth', what: 'chain depth', flag: '--chain-depth', unit: 'count', min: 0, max: 1000 }, // prettier-ignore
  // A finished chained call counts until its output is awaited or its caller ends: the host
  // holds that output until then, so this bounds what it holds as well as what runs.
  chainsInFlight: { key: 'maxChainsInFlight', what: 'chained calls in flight', flag: '--chains-in-flight', unit: 'count', min: 1, max: 1000, note: 'a finished one counts until its output is awaited or its caller ends' }, // prettier-ignore
  chainedCalls: { key: 'maxChainedCalls', what: 'chained calls', flag: '--chained-calls', unit: 'count', min: 0, max: 1_000_000 }, // prettier-ignore
};

function shown(b: Budget, value: number): string {
  if (b.unit === 'MiB') return `${+(value / MiB).toFixed(3)} MiB`;
  if (b.unit === 's') return `${+(value / 1000).toFixed(3)} s`;
  return String(value);
}

/** The sentence a call fails with when it goes over `name` (no trailing period: it is a reason). */
export function budgetMessage(name: BudgetName, limits: HostLimits): string {
  const b = BUDGETS[name];
  return `it went over its ${b.what} budget of ${shown(b, limits[b.key])}; raise it with ${b.flag}`;
}

/** Thrown where a budget is checked; the call ends with budgetMessage(name). */
export class BudgetExceeded extends Error {
  constructor(readonly budget: BudgetName) {
    super(`over the ${BUDGETS[budget].what} budget`);
  }
}

/** The flags on `faasm-python run` (and their help lines). */
export const budgetOptions = Object.fromEntries(
  Object.values(BUDGETS).map((b) => [b.flag.slice(2), { type: 'string' as const }]),
) as Record<string, { type: 'string' }>;

export function budgetHelp(): string {
  const unit = { MiB: 'MIB', s: 'SECONDS', count: 'N' };
  return Object.values(BUDGETS)
    .map((b) => {
      const left = `  ${b.flag} ${unit[b.unit]}`.padEnd(25);
      const line = `${left}${b.what} per call (default ${shown(b, defaultLimits[b.key])})`;
      return b.note ? `${line}\n${' '.repeat(25)}(${b.note})` : line;
    })
    .join('\n');
}

/** Parses one budget's flag text: plain decimal numbers within the budget's bounds. */
export function parseBudget(name: BudgetName, text: string, label?: string): number {
  const b = BUDGETS[name];
  const spec: NumberSpec = {
    min: b.min,
    max: b.max,
    integer: b.unit === 'count',
    unit: b.unit === 'count' ? undefined : b.unit === 's' ? 'seconds' : 'MiB',
  };
  const n = parseNumber(text, spec);
  if (n === undefined) {
    throw new UsageError(`${label ?? b.flag} takes ${describeRange(spec)}, not '${text}'.`);
  }
  if (b.unit === 'MiB') return Math.floor(n * MiB);
  if (b.unit === 's') return Math.round(n * 1000);
  return n;
}

/**
 * The limits the flags given in `values` set (flag name without dashes -> text). `label` names
 * the option in a message (the run-functions action says "Input 'tmp-mb'").
 */
export function limitsFromFlags(
  values: Record<string, unknown>,
  label?: (option: string) => string,
): Partial<HostLimits> {
  const out: Partial<HostLimits> = {};
  for (const [name, b] of Object.entries(BUDGETS) as [BudgetName, Budget][]) {
    const option = b.flag.slice(2);
    const raw = values[option];
    if (raw === undefined || raw === '') continue;
    out[b.key] = parseBudget(name, String(raw), label?.(option));
  }
  return out;
}
