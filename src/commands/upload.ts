import { copyFile, mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { checkFunctionName, stageFunction } from '../runner/functions.js';
import { UserError } from '../util/errors.js';
import { stringOption } from './common.js';
import type { Command } from './types.js';

interface Upload {
  user: string;
  func: string;
  file: string;
}

async function collect(target: string, user: string, func: string | undefined): Promise<Upload[]> {
  const st = await stat(target).catch(() => undefined);
  if (!st) throw new UserError(`There is no ${target}; name a .py file or a directory of them.`);
  if (st.isDirectory()) {
    if (func) throw new UserError('--func names one function; it cannot be used with a directory.');
    const files = (await readdir(target)).filter((f) => f.endsWith('.py')).sort();
    if (!files.length) throw new UserError(`${target} holds no .py files to upload.`);
    return files.map((f) => ({ user, func: basename(f, '.py'), file: join(target, f) }));
  }
  if (!target.endsWith('.py')) throw new UserError(`${target} is not a .py file.`);
  return [{ user, func: func ?? basename(target, '.py'), file: target }];
}

/** PUT to a Faasm upload server; any status but 2xx is the user's to fix (URL, server). */
export async function put(
  url: string,
  body: Uint8Array,
  fetchFn: typeof fetch = fetch,
): Promise<void> {
  let res: Response;
  try {
    res = await fetchFn(url, { method: 'PUT', body: Buffer.from(body) });
  } catch (err) {
    throw new UserError(
      `Cannot reach the Faasm upload server at ${url} (${(err as Error).message}); check --host.`,
    );
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).trim().slice(0, 200);
    throw new UserError(
      `The upload server answered ${res.status} to PUT ${url}${text ? `: ${text}` : ''}.`,
    );
  }
}

export const uploadCommand: Command = {
  name: 'upload',
  summary: "Upload Python functions (and the entrypoint) to Faasm's shared files or upload server",
  usage: `Usage: faasm-python upload <file.py | dir> (--local DIR | --host URL) [options]

  --local DIR   a Faasm root (e.g. /usr/local/faasm): functions go to
                DIR/shared/pyfuncs/<user>/<func>/function.py, the entrypoint to
                DIR/wasm/python/py_func/function.wasm
  --host URL    a Faasm upload server (e.g. http://localhost:8002): PUT /p/<user>/<func> per
                function, PUT /f/python/py_func for the entrypoint
  --user NAME   the functions' user (default python)
  --func NAME   the function's name, for a single file (default: the file's name)
  --wasm FILE   also upload py_func.wasm as python/py_func`,
  options: {
    local: { type: 'string' },
    host: { type: 'string' },
    user: { type: 'string' },
    func: { type: 'string' },
    wasm: { type: 'string' },
  },
  positionals: true,
  async run(values, positionals) {
    const local = stringOption(values, 'local');
    const host = stringOption(values, 'host');
    if (!local === !host)
      throw new UserError(
        'Say where to upload: --local <faasm root> or --host <upload server URL>.',
      );
    if (positionals.length > 1) throw new UserError('Upload one file or one directory at a time.');
    const user = checkFunctionName('user', stringOption(values, 'user') ?? 'python');
    const func = stringOption(values, 'func');
    if (func) checkFunctionName('function', func);
    const uploads = positionals[0] ? await collect(positionals[0], user, func) : [];
    const wasm = stringOption(values, 'wasm');
    if (!uploads.length && !wasm)
      throw new UserError('Nothing to upload: name functions and/or --wasm.');

    for (const u of uploads) {
      checkFunctionName('function', u.func);
      if (local) {
        const dest = await stageFunction(u.file, join(local, 'shared', 'pyfuncs'), u.user, u.func);
        console.log(`${u.user}/${u.func} -> ${dest}`);
      } else {
        const url = new URL(`/p/${u.user}/${u.func}`, host).href;
        await put(url, await readFile(u.file));
        console.log(`${u.user}/${u.func} -> PUT ${url}`);
      }
    }
    if (wasm) {
      const bytes = await readFile(wasm).catch(() => {
        throw new UserError(`Cannot read ${wasm}; build the func layer or fix --wasm.`);
      });
      if (local) {
        const dir = join(local, 'wasm', 'python', 'py_func');
        await mkdir(dir, { recursive: true });
        await copyFile(wasm, join(dir, 'function.wasm'));
        console.log(`python/py_func -> ${join(dir, 'function.wasm')}`);
      } else {
        const url = new URL('/f/python/py_func', host).href;
        await put(url, bytes);
        console.log(`python/py_func -> PUT ${url} (${bytes.length} bytes)`);
      }
    }
    return 0;
  },
};
