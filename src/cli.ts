import { parseArgs } from 'node:util';
import { commands } from './commands/index.js';
import { ExecError, UserError, errorMessage } from './util/errors.js';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: faasm-python <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'faasm-python <command> --help' for a command's options.`;
}

/** Runs the CLI and returns the exit code; errors a user can fix never print a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(
      `Unknown command '${name}'; the commands are: ${commands.map((c) => c.name).join(', ')}.`,
    );
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
  } catch (err) {
    console.error(`faasm-python ${name}: ${errorMessage(err)}\n\n${command.usage}`);
    return 2;
  }
  try {
    return await command.run(parsed.values, parsed.positionals);
  } catch (err) {
    return reportFailure(err);
  }
}

export function reportFailure(err: unknown): number {
  if (err instanceof ExecError) {
    console.error(`error: ${err.message}`);
    if (err.tail.length) console.error(err.tail.map((l) => `  | ${l}`).join('\n'));
    if (err.logPath) console.error(`full log: ${err.logPath}`);
  } else if (err instanceof UserError) {
    console.error(`error: ${err.message}`);
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  }
  return 1;
}
