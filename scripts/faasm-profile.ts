/**
 * Regenerates third-party/faasm/profile.json: the host ABI of Faasm's two VMs, read from
 * Faasm's own source at a pinned commit (a maintenance step; the JSON is committed data).
 *
 *   node --import tsx scripts/faasm-profile.ts [--check] [--faasm DIR] [--cpp DIR]
 *
 * DIR is a git directory of faasm/faasm (default /work/.mirror/faasm+faasm/repo) or
 * faasm/cpp (default /work/.mirror/faasm+cpp/repo); they are read at HEAD with `git show`.
 * --check compares instead of writing and exits 1 when the committed file is stale.
 * --readme only rewrites README.md's Faasm table from the committed profile (no mirror needed).
 *
 * WAVM: every WAVM_DEFINE_INTRINSIC_FUNCTION in src/wavm/*.cpp; the intrinsic module `env`
 * answers `env` imports, `wasi` answers `wasi_snapshot_preview1` and `wasiThreads` answers
 * `wasi` (src/wavm/WAVMWasmModule.cpp, WAVMWasmModule::resolve).
 * WAMR: every REG_NATIVE_FUNC / REG_WASI_NATIVE_FUNC in the NativeSymbol tables that
 * src/wamr/native.cpp registers, with WAMR's signature letters turned into wasm types.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec } from '../src/util/exec.js';
import { TABLE_END, TABLE_START, declaredImports, profileTable } from '../src/faasm/profile.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(repoRoot, 'third-party', 'faasm', 'profile.json');

type ValType = 'i32' | 'i64' | 'f32' | 'f64';
interface HostFunction {
  params: ValType[];
  results: ValType[];
  file: string;
  line: number;
}

async function git(dir: string, ...args: string[]): Promise<string> {
  return (await exec('git', ['-C', dir, ...args])).stdout;
}

const show = (dir: string, path: string) => git(dir, 'show', `HEAD:${path}`);

async function list(dir: string, prefix: string): Promise<string[]> {
  const out = await git(dir, 'ls-tree', '--name-only', 'HEAD', `${prefix}/`);
  return out
    .split('\n')
    .filter((f) => f.endsWith('.cpp'))
    .sort();
}

/** Blanks out comments, keeping line numbers. */
function stripComments(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/\/\/[^\n]*/g, (m) => ' '.repeat(m.length));
}

const lineOf = (src: string, index: number) => src.slice(0, index).split('\n').length;

const WAVM_TYPES: Record<string, ValType> = {
  I32: 'i32',
  U32: 'i32',
  I64: 'i64',
  U64: 'i64',
  F32: 'f32',
  F64: 'f64',
  // A C int in an intrinsic's signature is an i32 in wasm (one use in src/wavm/faasm.cpp).
  int: 'i32',
};

function wavmType(t: string, where: string): ValType {
  const v = WAVM_TYPES[t];
  if (!v) throw new Error(`${where}: unknown WAVM type ${t}`);
  return v;
}

/** The intrinsic module each WAVM intrinsic module name answers for. */
const WAVM_MODULES: Record<string, string> = {
  env: 'env',
  wasi: 'wasi_snapshot_preview1',
  wasiThreads: 'wasi',
};

async function wavm(dir: string): Promise<Record<string, Record<string, HostFunction>>> {
  const out: Record<string, Record<string, HostFunction>> = {};
  for (const file of await list(dir, 'src/wavm')) {
    const src = stripComments(await show(dir, file));
    const re = /WAVM_DEFINE_INTRINSIC_FUNCTION\s*\(([^)]*)\)/g;
    for (let m; (m = re.exec(src));) {
      const where = `${file}:${lineOf(src, m.index)}`;
      const parts = m[1]!.split(',').map((p) => p.trim());
      const [mod, quoted, result, , ...params] = parts;
      const name = /^"(.*)"$/.exec(quoted ?? '')?.[1];
      const module = WAVM_MODULES[mod ?? ''];
      if (!name || !module || !result) throw new Error(`${where}: cannot parse ${m[0]}`);
      (out[module] ??= {})[name] = {
        params: params.map((p) => wavmType(p.split(/\s+/)[0]!, where)),
        results: result === 'void' ? [] : [wavmType(result, where)],
        file,
        line: lineOf(src, m.index),
      };
    }
  }
  return out;
}

/** WAMR's signature letters (include/wamr/native.h): capitals are 64-bit; `* ~ $` are i32. */
function wamrSignature(sig: string, where: string): Pick<HostFunction, 'params' | 'results'> {
  const m = /^\(([^)]*)\)(.?)$/.exec(sig);
  if (!m) throw new Error(`${where}: bad WAMR signature ${sig}`);
  const letter = (c: string): ValType => {
    if ('i*~$'.includes(c)) return 'i32';
    if (c === 'I') return 'i64';
    if (c === 'f') return 'f32';
    if (c === 'F') return 'f64';
    throw new Error(`${where}: bad WAMR signature letter ${c} in ${sig}`);
  };
  return { params: [...m[1]!].map(letter), results: m[2] ? [letter(m[2])] : [] };
}

async function wamr(dir: string): Promise<Record<string, Record<string, HostFunction>>> {
  // native.cpp: which getter goes to which import module.
  const native = stripComments(await show(dir, 'src/wamr/native.cpp'));
  const registered = new Map<string, string>();
  for (const m of native.matchAll(/do(Wasi)?SymbolRegistration\((\w+)\)/g)) {
    registered.set(m[2]!, m[1] ? 'wasi_snapshot_preview1' : 'env');
  }
  const out: Record<string, Record<string, HostFunction>> = {};
  for (const file of await list(dir, 'src/wamr')) {
    const src = stripComments(await show(dir, file));
    // getter -> table: `uint32_t getX(NativeSymbol** s) { *s = table;`
    const tables = new Map<string, string>();
    for (const m of src.matchAll(
      /uint32_t\s+(\w+)\s*\(\s*NativeSymbol\s*\*\*\s*(\w+)\s*\)\s*\{\s*\*\s*\2\s*=\s*(\w+)/g,
    )) {
      const module = registered.get(m[1]!);
      if (module) tables.set(m[3]!, module);
    }
    for (const m of src.matchAll(/static\s+NativeSymbol\s+(\w+)\s*\[\]\s*=\s*\{([\s\S]*?)\};/g)) {
      const module = tables.get(m[1]!);
      if (!module) continue; // a table no getter registers
      const start = m.index! + m[0].indexOf(m[2]!);
      for (const e of m[2]!.matchAll(/REG_(?:WASI_)?NATIVE_FUNC\(\s*(\w+)\s*,\s*"([^"]*)"\s*\)/g)) {
        const line = lineOf(src, start + e.index!);
        (out[module] ??= {})[e[1]!] = {
          ...wamrSignature(e[2]!, `${file}:${line}`),
          file,
          line,
        };
      }
    }
  }
  return out;
}

/** `-Xlinker --export=NAME` flags faasm/cpp links every function with (faasmtools/build.py). */
async function cppExports(dir: string): Promise<{ file: string; exports: string[] }> {
  const file = 'faasmtools/build.py';
  const src = await show(dir, file);
  const consts = new Map<string, string>();
  for (const m of src.matchAll(/^(\w+)\s*=\s*"([^"]*)"/gm)) consts.set(m[1]!, m[2]!);
  const block = /WASM_EXE_LDFLAGS\s*=\s*\[([\s\S]*?)\]/.exec(src)?.[1];
  if (!block) throw new Error(`${file}: no WASM_EXE_LDFLAGS`);
  const exports: string[] = [];
  for (const m of block.matchAll(/--export=([\w{}]+)"(?:\.format\((\w+)\))?/g)) {
    exports.push(m[1] === '{}' ? consts.get(m[2]!)! : m[1]!);
  }
  return { file, exports };
}

const sorted = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

/** README.md's table, regenerated from the committed profile and faasm_host.h. */
async function readme(): Promise<void> {
  const file = join(repoRoot, 'README.md');
  const text = await readFile(file, 'utf8');
  const header = await readFile(join(repoRoot, 'pyfaasm', 'cmodule', 'faasm_host.h'), 'utf8');
  const table = profileTable(declaredImports(header));
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END);
  if (start < 0 || end < 0) throw new Error(`README.md has no ${TABLE_START} ... ${TABLE_END}`);
  await writeFile(file, text.slice(0, start) + table + text.slice(end + TABLE_END.length));
  console.log('README.md: Faasm table regenerated');
}

async function main(): Promise<void> {
  if (process.argv.includes('--readme')) return readme();
  const faasmDir = arg('--faasm', '/work/.mirror/faasm+faasm/repo');
  const cppDir = arg('--cpp', '/work/.mirror/faasm+cpp/repo');
  const faasmCommit = (await git(faasmDir, 'rev-parse', 'HEAD')).trim();
  const cppCommit = (await git(cppDir, 'rev-parse', 'HEAD')).trim();
  const [wavmImports, wamrImports, cpp] = await Promise.all([
    wavm(faasmDir),
    wamr(faasmDir),
    cppExports(cppDir),
  ]);
  const bySortedModule = (m: Record<string, Record<string, HostFunction>>) =>
    sorted(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, sorted(v)])));
  const profile = {
    $comment:
      'Generated by scripts/faasm-profile.ts from Faasm source; do not edit. Each function: wasm params/results, the file and line that define it.',
    sources: {
      'faasm/faasm': { url: 'https://github.com/faasm/faasm', commit: faasmCommit },
      'faasm/cpp': { url: 'https://github.com/faasm/cpp', commit: cppCommit },
    },
    exportTypes: {
      $comment:
        'How Faasm calls or reads each export (src/wavm/WAVMWasmModule.cpp: ctors and _start are invoked as () -> (), the zygote result is read as i32, the three globals with getGlobalI32); malloc and free are C on wasm32.',
      memory: { kind: 'memory' },
      __wasm_call_ctors: { kind: 'function', params: [], results: [] },
      _start: { kind: 'function', params: [], results: [] },
      _faasm_zygote: { kind: 'function', params: [], results: ['i32'] },
      malloc: { kind: 'function', params: ['i32'], results: ['i32'] },
      free: { kind: 'function', params: ['i32'], results: [] },
      __stack_pointer: { kind: 'global', type: 'i32' },
      __heap_base: { kind: 'global', type: 'i32' },
      __data_end: { kind: 'global', type: 'i32' },
    },
    functionExports: {
      source: 'faasm/cpp',
      file: cpp.file,
      note: 'what faasm/cpp exports from every function it links (WASM_EXE_LDFLAGS)',
      exports: cpp.exports,
    },
    vms: {
      wavm: {
        title: 'WAVM (Faasm default)',
        source: 'faasm/faasm',
        file: 'src/wavm/WAVMWasmModule.cpp',
        note: 'Refuses to link a module with an import it does not define ("Missing import"). Calls __wasm_call_ctors, then _faasm_zygote if exported (must return 0), then _start; the exit code is proc_exit\'s.',
        entry: ['__wasm_call_ctors', '_faasm_zygote', '_start'],
        requiredExports: ['memory', '__wasm_call_ctors', '_start'],
        optionalExports: ['_faasm_zygote', '__stack_pointer', '__heap_base', '__data_end'],
        imports: bySortedModule(wavmImports),
        fallback: {},
      },
      wamr: {
        title: 'WAMR',
        source: 'faasm/faasm',
        file: 'src/wamr/WAMRWasmModule.cpp',
        note: "Calls _start only (no __wasm_call_ctors call, no zygote); the exit code is the WASI context's. Built with WAMR_BUILD_LIBC_WASI=1 (src/wamr/CMakeLists.txt), so WASI calls Faasm does not register come from WAMR's own libc-wasi.",
        entry: ['_start'],
        requiredExports: ['memory', '_start'],
        optionalExports: [],
        imports: bySortedModule(wamrImports),
        fallback: {
          wasi_snapshot_preview1:
            "WAMR's built-in libc-wasi (WAMR_BUILD_LIBC_WASI 1, src/wamr/CMakeLists.txt)",
        },
      },
    },
  };
  const text = `${JSON.stringify(profile, null, 2)}\n`;
  if (process.argv.includes('--check')) {
    const cur = await readFile(OUT, 'utf8').catch(() => '');
    if (cur !== text) {
      console.error(`${OUT} is stale; run node --import tsx scripts/faasm-profile.ts`);
      process.exit(1);
    }
    console.log(`${OUT} is current`);
    return;
  }
  await writeFile(OUT, text);
  const count = (m: Record<string, Record<string, unknown>>) =>
    Object.entries(m)
      .map(([k, v]) => `${k} ${Object.keys(v).length}`)
      .join(', ');
  console.log(`wrote ${OUT}: wavm (${count(wavmImports)}), wamr (${count(wamrImports)})`);
}

await main();
