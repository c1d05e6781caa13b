import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A `faasm-python <name>` command. `run` returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  /** Accepts positional arguments (default: none). */
  positionals?: boolean;
  run(values: Values, positionals: string[]): Promise<number>;
}
