/**
 * Python functions on disk as Faasm lays them out (`<pyfuncs>/<user>/<func>/function.py`): the
 * one name rule for users and functions, reading a function file, and staging files into that
 * layout.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../util/errors.js';
import { readBoundedFile } from '../util/input-file.js';

/** Largest function file staged or uploaded: Python source, not data. */
export const MAX_FUNCTION_BYTES = 16 * 1024 * 1024;

/** A function file's bytes: a regular file of at most MAX_FUNCTION_BYTES (not a FIFO, a device). */
export function readFunctionFile(file: string): Promise<Uint8Array> {
  return readBoundedFile(file, MAX_FUNCTION_BYTES, 'the function file');
}

const FUNCTION_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Faasm's name rule for users and functions, the one every path checks (CLI, actions, the
 * host's calls): a path segment, with nothing that could climb out (no '/', no '..').
 */
export function isFunctionName(name: string): boolean {
  return FUNCTION_NAME.test(name) && !name.includes('..');
}

export function checkFunctionName(kind: 'user' | 'function', name: string): string {
  if (!isFunctionName(name)) {
    throw new UserError(
      `'${name}' is not a valid ${kind} name; use letters, digits, '_', '-' and '.'.`,
    );
  }
  return name;
}

/** Where Faasm keeps a Python function: `<pyfuncs>/<user>/<func>/function.py`. */
export function functionPath(pyfuncsDir: string, user: string, func: string): string {
  return join(pyfuncsDir, user, func, 'function.py');
}

/** Copies one `.py` file into the pyfuncs layout; returns where it went. */
export async function stageFunction(
  file: string,
  pyfuncsDir: string,
  user: string,
  func: string,
): Promise<string> {
  checkFunctionName('user', user);
  checkFunctionName('function', func);
  const dest = functionPath(pyfuncsDir, user, func);
  const source = await readFunctionFile(file);
  await mkdir(join(pyfuncsDir, user, func), { recursive: true });
  await writeFile(dest, source);
  return dest;
}

/** Stages every `<name>.py` of a directory as function `<user>/<name>`; returns the names. */
export async function stageFunctionDir(
  dir: string,
  pyfuncsDir: string,
  user: string,
): Promise<string[]> {
  const names: string[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    if (!entry.endsWith('.py')) continue;
    const func = basename(entry, '.py');
    await stageFunction(join(dir, entry), pyfuncsDir, user, func);
    names.push(func);
  }
  return names;
}
