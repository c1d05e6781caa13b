// `faasm-python upload`: Python functions (and the runtime) to Faasm's local files or its upload
// server.
import { cp, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { checkFunctionName, readFunctionFile, stageFunction } from '../runner/functions.js';
import { asUsage, UsageError, UserError } from '../util/errors.js';
import { readBoundedFile } from '../util/input-file.js';
import { refusePseudoFileSystem } from '../util/pseudo-fs.js';
import { buildOptionSpec, stringOption } from './common.js';
import { runtimeFromOptions } from './run.js';
import { faasmRequest, parseHostUrl, printable, timeoutMs } from '../faasm/http.js';
import { checkAbi, entrypointExports, linkError } from '../faasm/profile.js';
import { isWasm } from '../wasm/binary.js';
import { readModuleAbi } from '../wasm/module-abi.js';
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
    if (func)
      throw new UsageError('--func names one function; it cannot be used with a directory.');
    const files = (await readdir(target)).filter((f) => f.endsWith('.py')).sort();
    if (!files.length) throw new UserError(`${target} holds no .py files to upload.`);
    return files.map((f) => ({ user, func: basename(f, '.py'), file: join(target, f) }));
  }
  if (!target.endsWith('.py')) throw new UsageError(`${target} is not a .py file.`);
  return [{ user, func: func ?? basename(target, '.py'), file: target }];
}

/** PUT to a Faasm upload server; any status but 2xx is the user's to fix (URL, server). */
export async function put(
  url: URL,
  body: Uint8Array,
  ms: number,
  fetchFn: typeof fetch = fetch,
): Promise<void> {
  const res = await faasmRequest('PUT', url, body, ms, fetchFn);
  if (res.status < 200 || res.status > 299) {
    const text = printable(res.body.trim().slice(0, 200));
    throw new UserError(
      `The upload server answered ${res.status} to PUT ${url.href}${text ? `: ${text}` : ''}.`,
    );
  }
}

/** Far above py_func.wasm (tens of MiB); a bound, so a device or a huge file is refused unread. */
const MAX_ENTRYPOINT_BYTES = 1024 * 1024 * 1024;

/** py_func.wasm, checked before anything is installed: a wasm module WAVM would load. */
async function readEntrypoint(file: string): Promise<Uint8Array> {
  const bytes = await readBoundedFile(file, MAX_ENTRYPOINT_BYTES, 'the entrypoint');
  if (!isWasm(bytes) || !WebAssembly.validate(bytes)) {
    throw new UserError(
      `${file} is not a valid WebAssembly module; pass py_func.wasm from the func layer.`,
    );
  }
  const refused = linkError(
    `${file} would not load on Faasm's WAVM: it`,
    checkAbi(readModuleAbi(bytes), 'wavm', entrypointExports()),
  );
  if (refused) throw new UserError(refused);
  return bytes;
}

/** Writes `file` whole or not at all. */
async function installFile(file: string, data: Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

/** Replaces `dest` with a copy of `src`, switching over only once the copy is complete. */
async function installTree(src: string, dest: string): Promise<void> {
  const tmp = `${dest}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await cp(src, tmp, { recursive: true, dereference: false, verbatimSymlinks: true });
  const old = `${dest}.old-${process.pid}`;
  await rename(dest, old).catch(() => undefined);
  await rename(tmp, dest);
  await rm(old, { recursive: true, force: true });
}

export const uploadCommand: Command = {
  name: 'upload',
  summary: "Upload Python functions (and the runtime) to Faasm's local files or upload server",
  usage: `Usage: faasm-python upload [file.py | dir] (--local DIR | --host URL) [options]

  --local DIR     a Faasm root ($FAASM_LOCAL_DIR, e.g. /usr/local/faasm), laid out as Faasm
                  loads it: functions at DIR/shared/pyfuncs/<user>/<func>/function.py, the
                  entrypoint at DIR/wasm/python/py_func/function.wasm, the runtime root at
                  DIR/runtime_root
  --host URL      a Faasm upload server (e.g. http://localhost:8002): PUT /p/<user>/<func> per
                  function, PUT /f/python/py_func for the entrypoint
  --user NAME     the functions' user (default python)
  --func NAME     the function's name, for a single file (default: the file's name)
  --wasm FILE     also upload py_func.wasm as python/py_func (checked: a module Faasm's WAVM loads)
  --root DIR      also install this runtime root (--local only)
  --runtime       upload the built runtime: py_func.wasm and, with --local, the runtime root
  --timeout S     per request to --host (default 60)`,
  options: {
    ...buildOptionSpec,
    local: { type: 'string' },
    host: { type: 'string' },
    user: { type: 'string' },
    func: { type: 'string' },
    wasm: { type: 'string' },
    root: { type: 'string' },
    runtime: { type: 'boolean' },
    timeout: { type: 'string' },
  },
  positionals: true,
  async run(values, positionals) {
    const local = stringOption(values, 'local');
    const hostOpt = stringOption(values, 'host');
    if (!local === !hostOpt)
      throw new UsageError(
        'Say where to upload: --local <faasm root> or --host <upload server URL>.',
      );
    const host = hostOpt ? parseHostUrl(hostOpt) : undefined;
    const ms = timeoutMs(stringOption(values, 'timeout'), 60);
    if (positionals.length > 1) throw new UsageError('Upload one file or one directory at a time.');
    const user = asUsage(() => checkFunctionName('user', stringOption(values, 'user') ?? 'python'));
    const func = stringOption(values, 'func');
    if (func) asUsage(() => checkFunctionName('function', func));
    const uploads = positionals[0] ? await collect(positionals[0], user, func) : [];
    let wasm = stringOption(values, 'wasm');
    let root = stringOption(values, 'root');
    if (values.runtime === true) {
      if (wasm || root) throw new UsageError('Give --runtime, or --wasm/--root, not both.');
      ({ wasm, root } = await runtimeFromOptions({ ...values, wasm: undefined, root: undefined }));
      if (!local) root = undefined;
    }
    if (root && !local) throw new UsageError('--root installs a runtime root under --local only.');
    if (!uploads.length && !wasm && !root)
      throw new UsageError('Nothing to upload: name functions, --wasm, --root or --runtime.');

    // Everything is read and checked before anything is written.
    for (const u of uploads) checkFunctionName('function', u.func);
    const sources = await Promise.all(uploads.map((u) => readFunctionFile(u.file)));
    if (local) refusePseudoFileSystem(local, '--local');
    const entrypoint = wasm ? await readEntrypoint(wasm) : undefined;
    if (root && !(await stat(root).catch(() => undefined))?.isDirectory())
      throw new UserError(`The runtime root ${root} is not a directory.`);

    for (const [i, u] of uploads.entries()) {
      if (local) {
        const dest = await stageFunction(u.file, join(local, 'shared', 'pyfuncs'), u.user, u.func);
        console.log(`${u.user}/${u.func} -> ${dest}`);
      } else {
        const url = new URL(`/p/${u.user}/${u.func}`, host);
        await put(url, sources[i]!, ms);
        console.log(`${u.user}/${u.func} -> PUT ${url.href}`);
      }
    }
    if (entrypoint) {
      if (local) {
        const file = join(local, 'wasm', 'python', 'py_func', 'function.wasm');
        await installFile(file, entrypoint);
        console.log(`python/py_func -> ${file}`);
      } else {
        const url = new URL('/f/python/py_func', host);
        await put(url, entrypoint, ms);
        console.log(`python/py_func -> PUT ${url.href} (${entrypoint.length} bytes)`);
      }
    }
    if (root && local) {
      const dest = join(local, 'runtime_root');
      await installTree(root, dest);
      console.log(`runtime root -> ${dest}`);
    }
    return 0;
  },
};
