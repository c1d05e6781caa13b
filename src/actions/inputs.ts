// Reading and checking action inputs; a bad value is one message naming the input.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as core from '@actions/core';
import { UserError } from '../util/errors.js';

/** A bad `with:` value: the message names the input, what it got and what it takes. */
export class InputError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** The trimmed input, or '' when unset. */
export function getString(
  name: string,
  opts: { required?: boolean; default?: string } = {},
): string {
  const value = core.getInput(name);
  if (value === '' && opts.required) {
    throw new InputError(`Input '${name}' is required; set it under the step's 'with:'.`);
  }
  return value === '' ? (opts.default ?? '') : value;
}

const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];

/** YAML-ish booleans, case-insensitive; empty gives the default. */
export function getBoolean(name: string, defaultValue = false): boolean {
  const value = core.getInput(name).toLowerCase();
  if (value === '') return defaultValue;
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new InputError(`Input '${name}' must be true or false, not '${core.getInput(name)}'.`);
}

export function getEnum<T extends string>(
  name: string,
  allowed: readonly T[],
  defaultValue?: T,
): T {
  const value = core.getInput(name);
  if (value === '' && defaultValue !== undefined) return defaultValue;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const shown = value === '' ? 'nothing' : `'${value}'`;
  const choices = allowed.filter(Boolean).join(', ');
  throw new InputError(`Input '${name}' must be one of ${choices}, not ${shown}.`);
}

export function getInt(name: string, opts: { min?: number; max?: number; default?: number } = {}) {
  const value = core.getInput(name);
  if (value === '' && opts.default !== undefined) return opts.default;
  const n = Number(value);
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = opts;
  if (value === '' || !Number.isInteger(n) || n < min || n > max) {
    const range =
      opts.max !== undefined
        ? ` from ${min} to ${max}`
        : opts.min !== undefined
          ? ` of at least ${min}`
          : '';
    throw new InputError(`Input '${name}' must be a whole number${range}, not '${value}'.`);
  }
  return n;
}

/**
 * Items separated by newlines or commas (a YAML block list reads naturally), trimmed, with empty
 * lines and `#` comments dropped.
 */
export function getList(name: string): string[] {
  return parseList(core.getInput(name));
}

export function parseList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

/**
 * A path input resolved against `base` (the workspace). With `mustBe`, a missing file or directory
 * is a configuration error that names the input.
 */
export async function getPath(
  name: string,
  opts: { base: string; default?: string; required?: boolean; mustBe?: 'file' | 'dir' },
): Promise<string | undefined> {
  const value = getString(name, { required: opts.required ?? false, default: opts.default ?? '' });
  if (value === '') return undefined;
  const path = resolve(opts.base, value);
  if (opts.mustBe) {
    const st = await stat(path).catch(() => undefined);
    const ok = opts.mustBe === 'dir' ? st?.isDirectory() : st?.isFile();
    if (!ok) {
      const what = opts.mustBe === 'dir' ? 'directory' : 'file';
      throw new InputError(
        `Input '${name}' names ${path}, which is not a ${what}; check the path.`,
      );
    }
  }
  return path;
}
