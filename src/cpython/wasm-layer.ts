// The wasm layer: CPython cross-compiled to wasm32-wasi, its stdlib pruned for WASI, libpython and
// link info.
import {
  copyFile,
  cp,
  mkdir,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { cpythonSourceInputs, prepareCPythonSource } from './source.js';
import { expand } from '../build/steps.js';
import type { Layer, LayerContext } from '../layers/types.js';
import { withCompilerCache } from '../toolchain/ccache.js';
import { wasmCompiler } from '../toolchain/flags.js';
import { scrubPaths } from '../layers/reproducible.js';
import { exists, removeTree, treeSize } from '../util/fs.js';
import { type CPythonConfig, type WasmConfig, readCPythonConfig, shortVersion } from './config.js';
import type { LinkInfo } from './link.js';
import { nativePython } from './native-layer.js';

/** The C libraries the standard library links, each its own layer. */
export const C_LIBRARIES = ['zlib', 'bzip2', 'xz', 'sqlite3', 'openssl', 'libffi'] as const;

async function removeBytecode(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name === '__pycache__') await removeTree(path);
    else if (entry.isDirectory()) await removeBytecode(path);
  }
}

/** Lays out the installed tree: stdlib pruned for WASI, archives and link info beside it. */
async function layout(ctx: LayerContext, cfg: WasmConfig, build: string, dest: string, v: string) {
  const out = ctx.out;
  const stdlib = join(out, 'lib', `python${v}`);
  await mkdir(join(out, 'lib'), { recursive: true });
  await mkdir(join(out, 'bin'), { recursive: true });
  await rename(join(dest, 'lib', `python${v}`), stdlib);
  await rename(join(dest, 'include'), join(out, 'include'));
  for (const p of cfg.prune) await removeTree(join(stdlib, p));
  // Bytecode written at install time carries source mtimes: leave it out, keep the layer exact.
  await removeBytecode(stdlib);

  const archives = [`lib/libpython${v}.a`];
  await copyFile(join(build, `libpython${v}.a`), join(out, archives[0]!));
  for (const a of cfg.extraArchives) {
    await copyFile(join(build, a), join(out, 'lib', basename(a)));
    archives.push(`lib/${basename(a)}`);
  }
  // The C libraries' archives too, so that linking against this layer needs nothing else.
  for (const lib of C_LIBRARIES) {
    const libDir = join(ctx.dep(lib), 'lib');
    for (const a of (await readdir(libDir)).filter((f) => f.endsWith('.a'))) {
      await copyFile(join(libDir, a), join(out, 'lib', a));
      archives.push(`lib/${a}`);
    }
  }
  // Their headers too, beside python3.x/: package builds compile against them (cffi needs ffi.h).
  for (const lib of C_LIBRARIES) {
    await cp(join(ctx.dep(lib), 'include'), join(out, 'include'), { recursive: true });
  }
  const link: LinkInfo = {
    archives,
    libs: cfg.link.libs,
    ldflags: cfg.link.ldflags,
    ...(cfg.link.callParams ? { callParams: true } : {}),
  };
  await writeFile(join(out, 'lib', 'link.json'), JSON.stringify(link, null, 2));
  return archives;
}

/**
 * The files `make install` generates from the build's configuration (sysconfig's data, the
 * Makefile, config.c) name the build's paths and its compiler launcher: written with the fixed
 * names instead, and without ccache, which is a cache, not an input.
 */
async function scrubGenerated(ctx: LayerContext, v: string, python: string) {
  const stdlib = join(ctx.out, 'lib', `python${v}`);
  const config = join(stdlib, `config-${v}-wasm32-wasi`);
  const sysconfigData = (await readdir(stdlib))
    .filter((f) => f.startsWith('_sysconfigdata'))
    .map((f) => join(stdlib, f));
  const files = [
    ...sysconfigData,
    ...(await readdir(config)).filter((f) => !f.endsWith('.a')).map((f) => join(config, f)),
  ];
  for (const f of files) {
    if (!(await stat(f)).isFile()) continue;
    const text = await readFile(f, 'utf8');
    await writeFile(f, scrubPaths(text, ctx.opts).replace(/\bccache (?=\S)/g, ''));
  }
  // sysconfig writes its data with pprint, which wraps long strings by their length: the real
  // paths' lengths decided the line breaks. Written again as sysconfig writes it, from the
  // scrubbed values, the file no longer depends on them.
  for (const f of sysconfigData) await ctx.exec(python, ['-c', REWRITE_SYSCONFIGDATA, f]);
}

/** Loads a _sysconfigdata file and writes it back exactly as sysconfig generates one. */
const REWRITE_SYSCONFIGDATA = `
import pprint, sys
path = sys.argv[1]
ns = {}
with open(path, encoding="utf-8") as f:
    exec(f.read(), ns)
with open(path, "w", encoding="utf-8") as f:
    f.write("# system configuration generated and used by the sysconfig module\\n")
    f.write("build_time_vars = ")
    pprint.pprint(ns["build_time_vars"], stream=f)
`;

/**
 * The line's configure arguments with `{zlib}`, `{openssl}` ... replaced by that C library's
 * layer (its install prefix), as `--with-openssl={openssl}` needs.
 */
export function configureArgs(
  cfg: Pick<CPythonConfig, 'line' | 'wasm'>,
  libDir: (lib: string) => string,
): string[] {
  const vars = Object.fromEntries(C_LIBRARIES.map((l) => [l, libDir(l)]));
  const where = `third-party/cpython/${cfg.line}/wasm.json`;
  return cfg.wasm.configure.map((a) => expand(a, vars, where));
}

export const wasmLayer: Layer = {
  name: 'wasm',
  description: 'CPython cross-compiled to wasm32-wasi: libpython, headers, python.wasm, stdlib',
  deps: ['toolchain', 'native', ...C_LIBRARIES],
  source: 'src/cpython/wasm-layer.ts',
  async inputs({ opts }) {
    const cfg = await readCPythonConfig(opts.repoRoot, opts.python);
    return {
      version: cfg.version,
      ...(await cpythonSourceInputs(opts.repoRoot, cfg, cfg.wasm.patches)),
      wasm: cfg.wasm as never,
    };
  },
  async build(ctx) {
    const cfg = await readCPythonConfig(ctx.opts.repoRoot, ctx.opts.python);
    const v = shortVersion(cfg.version);
    const src = join(ctx.work, 'src');
    const build = join(ctx.work, 'build');
    const dest = join(ctx.work, 'dest');
    await prepareCPythonSource(ctx, cfg, cfg.wasm.patches, src);
    await mkdir(build, { recursive: true });

    const libs = C_LIBRARIES.map((l) => ctx.dep(l));
    const cc = await wasmCompiler(ctx.dep('toolchain'), libs, ctx.opts);
    const env: Record<string, string> = {
      ...(await withCompilerCache(ctx, cc.env)),
      CONFIG_SITE: join(src, cfg.wasm.configSite),
      OPT: cfg.wasm.opt,
      CFLAGS: [...cfg.wasm.cflags, ...cc.pathFlags].join(' '),
      CPPFLAGS: libs.map((l) => `-I${join(l, 'include')}`).join(' '),
      LDFLAGS: [...libs.map((l) => `-L${join(l, 'lib')}`), ...cfg.wasm.ldflags].join(' '),
      // configure looks for a cross readelf it does not need for wasm.
      READELF: 'true',
    };
    for (const m of cfg.wasm.disabledModules) env[`py_cv_module_${m}`] = 'n/a';

    const buildTriple = (await ctx.exec(join(src, 'config.guess'), [])).stdout.trim();
    const python = nativePython(ctx.dep('native'), cfg.version);
    // Configured through a relative path, as CPython's Tools/wasm does: the source directory
    // is then recorded as ../src (getpath.c compiles it in as VPATH), the same in every build.
    const configure = configureArgs(cfg, (l) => ctx.dep(l));
    await ctx.exec(
      join(relative(build, src), 'configure'),
      [`--build=${buildTriple}`, `--with-build-python=${python}`, ...configure],
      { cwd: build, env },
    );
    await ctx.exec('make', [`-j${ctx.opts.jobs}`], { cwd: build, env });
    await ctx.exec('make', ['install', `DESTDIR=${dest}`], { cwd: build, env });

    await layout(ctx, cfg.wasm, build, dest, v);
    await scrubGenerated(ctx, v, python);
    // The name section and any debug info: no use to Faasm, a third of the module.
    const wasmOut = join(ctx.out, 'bin', 'python.wasm');
    await ctx.exec(cc.strip, ['-o', wasmOut, join(build, 'python.wasm')]);
    const info = {
      version: cfg.version,
      pythonWasmBytesUnstripped: (await stat(join(build, 'python.wasm'))).size,
      pythonWasmBytes: (await stat(wasmOut)).size,
      stdlibBytes: await treeSize(join(ctx.out, 'lib', `python${v}`)),
    };
    await writeFile(join(ctx.out, 'build.json'), JSON.stringify(info, null, 2));
    if (!(await exists(join(ctx.out, 'lib', `python${v}`, 'os.py')))) {
      throw new Error(`the wasm install has no lib/python${v}/os.py`);
    }
    await rm(join(dest), { recursive: true, force: true });
  },
};
