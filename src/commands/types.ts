// The shape of a CLI command and its options.
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
  /**
   * Options refused outright, each with the sentence saying why and what to use instead (a
   * secret as an argument value would show in `ps` and shell history).
   */
  refused?: Record<string, string>;
  run(values: Values, positionals: string[]): Promise<number>;
}
