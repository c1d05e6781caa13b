import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ExecError, UserError } from './errors.js';

export interface ExecOptions {
  cwd?: string;
  /** Added to (or, with a value of undefined, removed from) the inherited environment. */
  env?: Record<string, string | undefined>;
  /** Append the command and all its output to this file. */
  log?: string;
  /** Standard input for the process. */
  input?: string | Uint8Array;
  /** How many lines of output a failure carries (default 30). */
  tailLines?: number;
  /** Echo output to this process's stderr as well (for long builds watched by a person). */
  echo?: boolean;
  /**
   * Kill the process and everything it started (its own process group) after this many ms;
   * the ExecError then has `timedOut` set.
   */
  timeoutMs?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map(quote).join(' ');
}

/**
 * The one way this project starts a process: logs the command line, captures the output (to a
 * log file when given), and on failure throws an ExecError carrying the last lines of output.
 */
export async function exec(
  cmd: string,
  args: readonly string[],
  opts: ExecOptions = {},
): Promise<ExecResult> {
  let logStream: WriteStream | undefined;
  if (opts.log) {
    await mkdir(dirname(opts.log), { recursive: true });
    logStream = createWriteStream(opts.log, { flags: 'a' });
    logStream.write(`\n$ ${commandLine(cmd, args)}${opts.cwd ? `   # in ${opts.cwd}` : ''}\n`);
  }
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  // Interleaved output, kept for the failure tail even when there is no log file.
  const combined: Buffer[] = [];
  const detached = opts.timeoutMs !== undefined;
  const child = spawn(cmd, args, { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached });
  let timedOut = false;
  const timer = detached
    ? setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, opts.timeoutMs)
    : undefined;
  const onData = (sink: Buffer[]) => (chunk: Buffer) => {
    sink.push(chunk);
    combined.push(chunk);
    logStream?.write(chunk);
    if (opts.echo) process.stderr.write(chunk);
  };
  child.stdout.on('data', onData(stdout));
  child.stderr.on('data', onData(stderr));
  child.stdin.on('error', () => undefined); // a process that exits without reading is not our error
  child.stdin.end(opts.input ?? '');

  const result = await new Promise<{ code: number | null; signal: string | null }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal }));
    },
  ).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') {
      throw new UserError(`The command '${cmd}' was not found; install it or put it on PATH.`);
    }
    throw err;
  });
  clearTimeout(timer);
  if (logStream) await new Promise<void>((resolve) => logStream.end(resolve));

  const out = {
    stdout: Buffer.concat(stdout).toString(),
    stderr: Buffer.concat(stderr).toString(),
  };
  if (result.code !== 0) {
    const lines = Buffer.concat(combined).toString().trimEnd().split('\n');
    const tail = lines.slice(-(opts.tailLines ?? 30));
    const how = timedOut
      ? `timed out after ${opts.timeoutMs! / 1000} s`
      : result.signal
        ? `was killed by ${result.signal}`
        : `exited with ${result.code}`;
    throw new ExecError(
      `${commandLine(cmd, args).slice(0, 200)} ${how}`,
      result.code,
      tail,
      opts.log,
      timedOut,
    );
  }
  return out;
}

/** Runs a small command and returns its trimmed stdout, or undefined when it fails. */
export async function probe(cmd: string, args: readonly string[]): Promise<string | undefined> {
  try {
    return (await exec(cmd, args)).stdout.trim();
  } catch {
    return undefined;
  }
}

export async function readTail(path: string, lines = 30): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).trimEnd().split('\n').slice(-lines);
  } catch {
    return [];
  }
}
