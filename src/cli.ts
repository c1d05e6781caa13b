// The `faasm-python` entry: dispatch to a command, exit codes, and the safety net that turns any
// failure into one sentence.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands } from './commands/index.js';
import { parseCommandLine } from './commands/parse-args.js';
import { REPO_ROOT, cachePaths, defaultCacheDir } from './paths.js';
import { readVersion } from './release/version.js';
import { ExecError, UsageError, UserError, errorMessage } from './util/errors.js';

/** Exit codes and environment variables, in `--help` and (the same text) in the README. */
export const EXIT_CODES_AND_ENVIRONMENT = `Exit codes:
  0    success
  1    failure: a mistake the message names (bad input, missing tool, hash mismatch), a failed
       tool (its log's last lines are printed), or a bug (its stack trace is saved to a file)
  2    usage: the command line is wrong (an unknown command, option, action or name; options
       that exclude or need each other; a value not of the form its option takes); nothing ran
  run  the function's return code (1 when it failed without one), at most 255

Environment:
  FAASM_PYTHON_CACHE          the layer cache (else $XDG_CACHE_HOME/faasm-python, else
                              ~/.cache/faasm-python); --cache-dir wins
  FAASM_PYTHON_SOURCES        colon-separated directories searched for source archives first
                              (offline builds)
  FAASM_PYTHON_DEBIAN_MIRROR  the Debian mirror for source and binary packages
  FAASM_PYTHON_KEEP_WORK=1    keep a failed layer's work directory for inspection
  FAASM_PYTHON_ACTIONS_CACHE=0  never use the GitHub Actions cache
  FAASM_PYTHON_CACHE_RESTORE, FAASM_PYTHON_CACHE_SAVE
                              the Actions cache scopes layers are restored from, by exact key
                              (default main), and the one they are saved under (default none:
                              restore-only)
  FAASM_PYTHON_FUNC_WASM, FAASM_PYTHON_RUNTIME_ROOT
                              run and upload with this py_func.wasm and runtime root instead of
                              the built ones
  GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_SERVER_URL
                              release: the token and repository (--token-file, --repo win)
  FAASM_PYTHON_GITHUB_TIMEOUT seconds one GitHub API request may take (default 120)
  GITHUB_REF, GITHUB_SHA, GITHUB_REPOSITORY_OWNER
                              image: the ref and commit to tag for, and the owner`;

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: faasm-python <command> [options]
       faasm-python --version

Commands:
${lines.join('\n')}

Run 'faasm-python <command> --help' for a command's options.

${EXIT_CODES_AND_ENVIRONMENT}`;
}

/** faasm-python's own version: VERSION beside the sources (the image carries it too). */
async function version(): Promise<string> {
  try {
    return `faasm-python ${await readVersion(REPO_ROOT)}`;
  } catch {
    return 'faasm-python (unknown version: no VERSION file)';
  }
}

/** Runs the CLI and returns the exit code; errors a user can fix never print a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    console.log(await version());
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    return reportFailure(
      new UsageError(
        `Unknown command '${name}'; the commands are: ${commands.map((c) => c.name).join(', ')}.`,
      ),
    );
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    const { values, positionals } = parseCommandLine(command, rest);
    return await command.run(values, positionals);
  } catch (err) {
    return reportFailure(err);
  }
}

/** What an operating-system error on a path means, for the errors a user can fix. */
const FS_REASONS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
};

/**
 * Where a genuine bug's stack trace goes: the cache's log directory when it can be written,
 * else the temp directory. Returns the file, or undefined when neither can be written.
 */
function saveStack(err: unknown): string | undefined {
  const text = `${new Date().toISOString()} faasm-python ${process.argv.slice(2).join(' ')}\n${
    err instanceof Error ? (err.stack ?? err.message) : String(err)
  }\n`;
  const name = `crash-${Date.now()}-${process.pid}.log`;
  for (const dir of [cachePaths(defaultCacheDir()).logs, tmpdir()]) {
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    } catch {
      // try the next place
    }
  }
  return undefined;
}

/**
 * The one place a failure becomes output: a user's mistake is one sentence; a failed tool its
 * log tail; an error on a path the user can fix says which path and why; anything else is a bug,
 * reported in one line with the file its stack trace was saved to. Never a raw stack trace.
 */
export function reportFailure(err: unknown): number {
  if (err instanceof ExecError) {
    console.error(`error: ${err.message}`);
    if (err.tail.length) console.error(err.tail.map((l) => `  | ${l}`).join('\n'));
    if (err.logPath) console.error(`full log: ${err.logPath}`);
    return 1;
  }
  if (err instanceof UserError) {
    console.error(`error: ${err.message}`);
    return err instanceof UsageError ? 2 : 1;
  }
  const sys = err as NodeJS.ErrnoException;
  const reason = sys?.code ? FS_REASONS[sys.code] : undefined;
  if (reason && sys.path) {
    console.error(`error: cannot ${sys.syscall ?? 'use'} ${sys.path}: ${reason} (${sys.code}).`);
    return 1;
  }
  const where = saveStack(err);
  console.error(
    `error: ${errorMessage(err).split('\n')[0]} (a faasm-python bug${where ? `; its stack trace is in ${where}` : ''}: please report it).`,
  );
  return 1;
}

/** Failures outside a command's own promise (timers, stray rejections) end the process the same way. */
export function installSafetyNet(): void {
  const die = (err: unknown) => {
    process.exitCode = reportFailure(err);
    process.exit();
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}
