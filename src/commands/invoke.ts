// `faasm-python invoke`: calls a Python function on a running Faasm and prints its output.
import { randomInt } from 'node:crypto';
import { parseHostUrl, printable, timeoutMs } from '../faasm/http.js';
import { invoke } from '../faasm/invoke.js';
import { checkFunctionName } from '../runner/functions.js';
import { asUsage, UsageError } from '../util/errors.js';
import { readBoundedFile } from '../util/input-file.js';
import { printJson, stringOption } from './common.js';
import type { Command, Values } from './types.js';

/** Faasm's planner takes the input inside a JSON message: the file is bounded, as a call's input is. */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

async function input(values: Values): Promise<Uint8Array> {
  const text = stringOption(values, 'input');
  const file = stringOption(values, 'input-file');
  if (text !== undefined && file !== undefined)
    throw new UsageError('Give --input or --input-file, not both.');
  if (file === undefined) return Buffer.from(text ?? '', 'utf8');
  return readBoundedFile(file, MAX_INPUT_BYTES, 'the input file');
}

export const invokeCommand: Command = {
  name: 'invoke',
  summary: 'Call a Python function on a running Faasm and print its output',
  usage: `Usage: faasm-python invoke <user/func> [options]

Sends Faasm's invoke message (python/py_func with the python flag, py_user, py_func and the
input) to the planner's HTTP endpoint, waits for the call to finish, prints its output and
exits with its return code.

  --host URL         Faasm's planner (default http://localhost:8080)
  --input TEXT       the call's input (UTF-8); --input-file FILE for bytes
  --entry NAME       call this entry with the input instead of faasm_main
  --timeout SECONDS  give up after this long (default 60)
  --json             print {returnCode, output} as JSON`,
  options: {
    host: { type: 'string' },
    input: { type: 'string' },
    'input-file': { type: 'string' },
    entry: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: true,
  async run(values, positionals) {
    const m = positionals.length === 1 ? /^([^/]+)\/([^/]+)$/.exec(positionals[0]!) : null;
    if (!m) throw new UsageError('Name one function as user/func.');
    const pyUser = asUsage(() => checkFunctionName('user', m[1]!));
    const pyFunc = asUsage(() => checkFunctionName('function', m[2]!));
    const url = parseHostUrl(stringOption(values, 'host') ?? 'http://localhost:8080');
    const ms = timeoutMs(stringOption(values, 'timeout'), 60);
    const entry = stringOption(values, 'entry');
    // Faasm's clients pick the ids; any positive int32 not in use will do.
    const appId = randomInt(1, 2 ** 31 - 1);
    const r = await invoke(
      url,
      {
        pyUser,
        pyFunc,
        entry,
        input: await input(values),
        appId,
        messageId: randomInt(1, 2 ** 31 - 1),
      },
      ms,
    );
    if (values.json === true) printJson(r);
    // The server's text: to a terminal without its control characters (escape sequences).
    else if (r.output) process.stdout.write(process.stdout.isTTY ? printable(r.output, true) : r.output); // prettier-ignore
    return Math.min(Math.max(r.returnCode, 0), 255) || (r.returnCode === 0 ? 0 : 1);
  },
};
