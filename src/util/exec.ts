// Running processes with logs, echo and the tail of their output on failure; probing for tools.
import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as actionsExec from '@actions/exec';
import { ExecError, UserError, errorMessage } from './errors.js';

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
  /**
   * Echo output to this process's stderr as well (for long builds watched by a person);
   * 'stderr' echoes only the process's stderr (its stdout is a result to be parsed).
   */
  echo?: boolean | 'stderr';
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

/** How a process ended. */
interface Outcome {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
}

type Sink = (chunk: Buffer) => void;

let throughActions = false;

/**
 * Inside a GitHub action (src/actions/run-action.ts turns this on), a process whose output is
 * echoed (`echo: true`) is run by @actions/exec, which shows its command line in the step log
 * and streams its output there as the runner expects; the capture, the log file and the failure
 * tail stay this helper's. A process with a timeout or with input is always spawned here:
 * @actions/exec cannot kill the process group a timeout must end, and it writes input without
 * handling a process that exits before reading it (EPIPE).
 */
export function streamThroughActions(on: boolean): void {
  throughActions = on;
}

function notFound(cmd: string): UserError {
  return new UserError(`The command '${cmd}' was not found; install it or put it on PATH.`);
}

async function spawnProcess(
  cmd: string,
  args: readonly string[],
  opts: ExecOptions,
  env: Record<string, string>,
  sink: { stdout: Sink; stderr: Sink },
): Promise<Outcome> {
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
  const echo =
    (s: Sink, on: boolean): Sink =>
    (chunk) => {
      s(chunk);
      if (on) process.stderr.write(chunk);
    };
  // 'stderr': a process whose stdout is a result to parse, its progress shown.
  child.stdout.on('data', echo(sink.stdout, opts.echo === true));
  child.stderr.on('data', echo(sink.stderr, Boolean(opts.echo)));
  child.stdin.on('error', () => undefined); // a process that exits without reading is not our error
  child.stdin.end(opts.input ?? '');
  try {
    const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>(
      (resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code, signal) => resolve({ code, signal }));
      },
    );
    return { code, signal, timedOut };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(cmd);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function actionsProcess(
  cmd: string,
  args: readonly string[],
  opts: ExecOptions,
  env: Record<string, string>,
  sink: { stdout: Sink; stderr: Sink },
): Promise<Outcome> {
  try {
    const code = await actionsExec.exec(cmd, [...args], {
      cwd: opts.cwd,
      env,
      ignoreReturnCode: true,
      listeners: { stdout: sink.stdout, stderr: sink.stderr },
    });
    return { code, signal: null, timedOut: false };
  } catch (err) {
    if (/^Unable to locate executable file/.test(errorMessage(err))) throw notFound(cmd);
    throw err;
  }
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
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  // Interleaved output, kept for the failure tail even when there is no log file.
  const combined: Buffer[] = [];
  const into =
    (part: Buffer[]): Sink =>
    (chunk) => {
      part.push(chunk);
      combined.push(chunk);
      logStream?.write(chunk);
    };
  const sink = { stdout: into(stdout), stderr: into(stderr) };
  const viaActions =
    throughActions &&
    opts.echo === true &&
    opts.timeoutMs === undefined &&
    opts.input === undefined;
  const run = viaActions ? actionsProcess : spawnProcess;
  let result: Outcome;
  try {
    result = await run(cmd, args, opts, env, sink);
  } finally {
    if (logStream) await new Promise<void>((resolve) => logStream.end(resolve));
  }

  const out = {
    stdout: Buffer.concat(stdout).toString(),
    stderr: Buffer.concat(stderr).toString(),
  };
  if (result.code !== 0) {
    const lines = Buffer.concat(combined).toString().trimEnd().split('\n');
    const tail = lines.slice(-(opts.tailLines ?? 30));
    const how = result.timedOut
      ? `timed out after ${opts.timeoutMs! / 1000} s`
      : result.signal
        ? `was killed by ${result.signal}`
        : `exited with ${result.code}`;
    throw new ExecError(
      `${commandLine(cmd, args).slice(0, 200)} ${how}`,
      result.code,
      tail,
      opts.log,
      result.timedOut,
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
