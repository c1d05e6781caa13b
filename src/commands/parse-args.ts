/**
 * A command's argument list read against its option table. Every way the line can be wrong
 * (an unknown or refused option, a missing value, a value on a switch, arguments to a command
 * that takes none) becomes one UsageError sentence naming the option and the fix, instead of
 * node:util's messages, which differ between Node versions and run to several sentences.
 */
import { parseArgs } from 'node:util';
import { UsageError, errorMessage } from '../util/errors.js';
import type { Command, Values } from './types.js';

export interface ParsedArgs {
  values: Values;
  positionals: string[];
}

/**
 * The option a node:util parse error names, its long name when it gives both
 * (`Option '-j, --jobs <value>' argument missing` -> `--jobs`).
 */
function optionIn(message: string): string | undefined {
  const quoted = /'(-[^']*)'/.exec(message)?.[1] ?? '';
  return /--[\w-]+/.exec(quoted)?.[0] ?? /-\w/.exec(quoted)?.[0];
}

/** `--name` for a long option, or the long name of a short one (`-j` -> `--jobs`). */
function longName(command: Command, flag: string): string | undefined {
  if (flag.startsWith('--')) return flag.slice(2);
  const short = flag.slice(1);
  return Object.entries(command.options).find(([, spec]) => spec.short === short)?.[0];
}

function usageSentence(command: Command, err: unknown): string {
  const where = `'faasm-python ${command.name}'`;
  const code = (err as { code?: string }).code;
  const message = errorMessage(err);
  const flag = optionIn(message);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
    const known = Object.keys(command.options).map((o) => `--${o}`);
    const list = known.length ? `its options are ${known.join(', ')}` : 'it takes no options';
    return `${where} has no option ${flag}; ${list} (see 'faasm-python ${command.name} --help').`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    const name = longName(command, flag);
    const opt = name !== undefined ? `--${name}` : flag;
    if (name !== undefined && command.options[name]?.type === 'boolean') {
      return `${opt} is a switch and takes no value; give it alone.`;
    }
    return `${opt} needs a value (${opt} VALUE, or ${opt}=VALUE for one that starts with a dash).`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const got = /'([^']*)'/.exec(message)?.[1];
    return `${where} takes options only, no arguments${got !== undefined ? ` (got '${got}')` : ''}.`;
  }
  return `${where}: ${message.split('\n')[0]}`;
}

/** Parses `args` for `command`; throws a UsageError for anything its usage does not allow. */
export function parseCommandLine(command: Command, args: readonly string[]): ParsedArgs {
  for (const arg of args) {
    if (arg === '--') break;
    const name = /^--([^=]+)/.exec(arg)?.[1];
    const refusal = name !== undefined ? command.refused?.[name] : undefined;
    if (refusal) throw new UsageError(refusal);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: command.options,
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(usageSentence(command, err));
  }
  return { values: parsed.values as Values, positionals: parsed.positionals };
}
