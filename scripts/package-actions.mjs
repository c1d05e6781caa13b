#!/usr/bin/env node
// Bundles the CLI and every action with @vercel/ncc in one webpack build (cli/bundle.ts) into
// dist/cli/: bundle.js, the chunks each front-end loads on demand (code two of them share sits
// in a chunk of its own, once), the helper files the code reads (Python, C) once, and the
// modules loaded by URL (worker threads, see below). Then the entries, two lines each:
// dist/cli/index.js (the CLI the cpython image carries, and bin/faasm-python.js starts) and
// dist/<name>/index.js for each action (what its action.yml runs), both calling start().
// dist/cli/inputs.json lists the files the bundle was made from and their hash, so that
// bin/faasm-python.js starts from the bundle only while it matches the sources.
// Deterministic: no source maps, no ncc cache, sorted licence file, each output replaced whole.
// `--out DIR` writes elsewhere (the freshness test compares that with dist/); names given as
// arguments limit the entries written to those (the bundle is always written).
//
// ncc reads cli/tsconfig.json (the nearest to the entry), which makes TypeScript emit ES
// modules; transpile-only, because `npm run typecheck` is the type check.
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { INPUTS_FILE, inputsHash } from '../bin/bundle-inputs.js';

const require = createRequire(import.meta.url);
const ncc = require('@vercel/ncc');
const esbuild = require('esbuild');
const ts = require('typescript');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values, positionals } = parseArgs({
  options: { out: { type: 'string' }, quiet: { type: 'boolean' } },
  allowPositionals: true,
});
const outRoot = resolve(values.out ?? join(root, 'dist'));
const log = values.quiet ? () => {} : (line) => process.stderr.write(`${line}\n`);

/** The one entry: it lists the CLI and every action, each loaded on demand. */
const ENTRY_DIR = join(root, 'cli');
const ENTRY = join(ENTRY_DIR, 'bundle.ts');
/** Inputs of the bundle webpack cannot see: the packages' versions, and this script. */
const EXTRA_INPUTS = ['package-lock.json', 'scripts/package-actions.mjs'];

async function actionNames() {
  const dirs = await readdir(join(root, 'actions'), { withFileTypes: true });
  return dirs
    .filter((d) => d.isDirectory() && existsSync(join(root, 'actions', d.name, 'action.yml')))
    .map((d) => d.name)
    .sort();
}

/** ncc's bundle of `entry`, and the repository files webpack read to make it. */
async function bundle(entry) {
  const { code, assets, stats } = await ncc(entry, {
    cache: false,
    minify: true,
    sourceMap: false,
    license: 'licenses.txt',
    transpileOnly: true,
    quiet: true,
  });
  const inputs = [...stats.compilation.fileDependencies]
    .map((f) => relative(root, f))
    .filter((f) => f && !f.startsWith('..') && !f.split(/[/\\]/).includes('node_modules'))
    .filter((f) => statSync(join(root, f)).isFile());
  return { code, assets, inputs };
}

// The bundle carries its whole dependency tree, but never the CLI's TypeScript loader. ncc lists
// every bundled package in the licence file, one block each starting with its name.
function checkLean(licences) {
  const loader = /^(tsx|esbuild|@esbuild\/[\w-]+)$/m.exec(String(licences ?? ''));
  if (loader) throw new Error(`dist/cli bundles ${loader[1]}; an import pulls in the CLI loader.`);
}

/** Every action has its line in cli/actions.ts, or its entry would find nothing to start. */
async function checkEntries(actions) {
  const text = await readFile(join(ENTRY_DIR, 'actions.ts'), 'utf8');
  const missing = actions.filter((a) => !text.includes(`'../actions/${a}/main.js'`));
  if (missing.length) {
    throw new Error(
      `cli/actions.ts does not list the action${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; add ${missing.length > 1 ? 'them' : 'it'} there.`,
    );
  }
}

/**
 * Every src/ TypeScript file by its transpiled text. Webpack copies a module reached through
 * `new URL('./x.js', import.meta.url)` as an asset holding ts-loader's output under a hashed
 * name; transpiling with the same options (actions/tsconfig.json) tells which file it was.
 */
async function sourcesByOutput() {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(root, 'actions', 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  // The options ncc hands ts-loader on top of the tsconfig.
  const compilerOptions = {
    ...parsed.options,
    allowSyntheticDefaultImports: true,
    noEmit: false,
    outDir: '//',
  };
  const byOutput = new Map();
  const walk = async (dir) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.name.endsWith('.ts')) {
        const { outputText } = ts.transpileModule(await readFile(path, 'utf8'), {
          compilerOptions,
          fileName: e.name,
        });
        byOutput.set(outputText, path);
      }
    }
  };
  await walk(join(root, 'src'));
  return byOutput;
}
const sources = await sourcesByOutput();

/**
 * A module that the code reaches through `new URL('./x.js', import.meta.url)` (a worker thread's
 * file) is copied by webpack as an asset, as TypeScript, which node cannot run. Such a module
 * gets its own bundle: cli/<x>.ts is bundled to <x>.js and the URL is pointed at it.
 */
async function bundleUrlModules(code, assets, add, inputs) {
  let out = code;
  for (const [file, asset] of Object.entries(assets)) {
    if (!file.endsWith('.ts')) continue;
    const src = sources.get(String(asset.source));
    const base = src ? basename(src, '.ts') : undefined;
    const entry = base && join(ENTRY_DIR, `${base}.ts`);
    if (!entry || !existsSync(entry)) {
      throw new Error(
        `dist/cli: the code loads ${src ?? file} by URL; add cli/${base ?? '<name>'}.ts importing it, so it is bundled.`,
      );
    }
    const sub = await bundle(entry);
    sub.inputs.forEach((f) => inputs.add(f));
    add(`${base}.js`, fixRelocatedAssets(sub.code, sub.assets));
    for (const [f, a] of Object.entries(sub.assets)) {
      // Both bundles carry a licence list and a package.json: merge the one, set the other later.
      if (f === 'licenses.txt')
        add(f, mergeLicences(assets['licenses.txt']?.source, a.source), true);
      else if (f !== 'package.json') add(f, a.source);
    }
    // The reference sits in the main file or, as the code is split, in a chunk.
    const point = (text) => text.split(JSON.stringify(file)).join(JSON.stringify(`${base}.js`));
    out = point(out);
    for (const [f, a] of Object.entries(assets)) {
      if (isChunk(f)) assets[f] = { ...a, source: point(String(a.source)) };
    }
    delete assets[file];
  }
  return out;
}

/**
 * ncc's asset relocation turns `fileURLToPath(new URL('./x', import.meta.url))` into
 * `fileURLToPath(<bundle dir> + "x")`, which throws (a path is not a file: URL), and emits the
 * files of a directory `./d/` flattened as `d<file>`. Both are put right in `code` and in every
 * chunk among `assets` (where most such references sit): the call is dropped (its argument
 * already is the path), and each flattened file goes back under its directory, checked against a
 * directory of that name in src/ holding that file. A file referenced alone that is also in such
 * a directory (`./python/build_wheel.py` beside `./python/`) is referenced there, so it is
 * carried once.
 */
function fixRelocatedAssets(code, assets) {
  const codes = new Map([['', code]]);
  for (const [f, a] of Object.entries(assets)) if (isChunk(f)) codes.set(f, String(a.source));
  const bad = /\(0,\s*[\w$]+\.fileURLToPath\)\((\s*[\w$]+\.ab\s*\+\s*"[^"]+")\)/g;
  for (const [f, text] of codes) {
    const out = text.replace(bad, '($1)');
    if (/fileURLToPath\)?\(\s*[\w$]+\.ab\s*\+/.test(out)) {
      throw new Error(
        `dist/cli: a relocated asset path is still passed to fileURLToPath; see fixRelocatedAssets.`,
      );
    }
    codes.set(f, out);
  }
  const refs = new Set([...codes.values()].flatMap((t) => [...t.matchAll(REF)].map((m) => m[1])));
  const dirs = [];
  for (const ref of refs) {
    if (assets[ref]) continue;
    dirs.push(ref);
    for (const key of Object.keys(assets)) {
      if (!key.startsWith(ref) || key === ref) continue;
      const file = key.slice(ref.length);
      if (!dirsByName.get(ref)?.some((dir) => existsSync(join(dir, file)))) {
        throw new Error(`dist/cli: cannot tell which directory the asset ${key} belongs to.`);
      }
      assets[`${ref}/${file}`] = assets[key];
      delete assets[key];
    }
  }
  for (const ref of refs) {
    const same = dirs
      .map((d) => `${d}/${ref}`)
      .find(
        (f) =>
          assets[f] &&
          assets[ref] &&
          Buffer.from(assets[f].source).equals(Buffer.from(assets[ref].source)),
      );
    if (!same) continue;
    for (const [f, text] of codes) {
      codes.set(
        f,
        text.replace(REF, (m, r) => (r === ref ? m.replace(`"${ref}"`, `"${same}"`) : m)),
      );
    }
    delete assets[ref];
  }
  for (const [f, text] of codes) if (f) assets[f] = { ...assets[f], source: text };
  return codes.get('');
}
/** A chunk webpack split off: `<id>.index.js`, loaded on demand. */
const isChunk = (f) => /^\d+\.index\.js$/.test(f);

/**
 * ncc minifies the bundle's main file but not its chunks, and the chunks now hold nearly all
 * the code: minified, the CLI reads a third of the bytes at start. esbuild is the CLI's own
 * dependency (tsx's compiler); its output depends only on its version and the input.
 */
function minify(source) {
  return esbuild.transformSync(String(source), { minify: true, format: 'esm', target: 'node20' })
    .code;
}

/** A relocated asset's path in the bundled code: `<require>.ab+"<name>"` (spaced in chunks). */
const REF = /[\w$]+\.ab\s*\+\s*"([^"]+)"/g;

/** src/ directories by their name, for fixRelocatedAssets. */
async function directoriesByName() {
  const byName = new Map();
  const walk = async (dir) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const path = join(dir, e.name);
      byName.set(e.name, [...(byName.get(e.name) ?? []), path]);
      await walk(path);
    }
  };
  await walk(join(root, 'src'));
  return byName;
}
const dirsByName = await directoriesByName();

/** Licence texts are blocks separated by blank lines, each starting with the package name. */
function mergeLicences(a = '', b = '') {
  const blocks = new Set([...String(a).split(/\n\n(?=\S)/), ...String(b).split(/\n\n(?=\S)/)]);
  return `${[...blocks]
    .filter((x) => x.trim())
    .sort()
    .join('\n\n')
    .trimEnd()}\n`;
}

/** Writes `files` (name -> text) as `dir`, replacing what was there. */
async function writeDir(dir, files) {
  await rm(dir, { recursive: true, force: true });
  let total = 0;
  for (const [file, source] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), source);
    total += Buffer.byteLength(source);
  }
  return total;
}

/** dist/cli: the bundle, its chunks and files, the CLI's entry, and the inputs it was made from. */
async function packageBundle() {
  const files = new Map();
  const add = (file, source, replace = false) => {
    const prev = files.get(file);
    if (
      !replace &&
      prev !== undefined &&
      Buffer.compare(Buffer.from(prev), Buffer.from(source)) !== 0
    ) {
      throw new Error(`dist/cli: two entries emit different ${file}`);
    }
    files.set(file, source);
  };
  const main = await bundle(ENTRY);
  const inputs = new Set([...main.inputs, ...EXTRA_INPUTS]);
  const fixed = fixRelocatedAssets(main.code, main.assets);
  add('bundle.js', await bundleUrlModules(fixed, main.assets, add, inputs));
  for (const [file, asset] of Object.entries(main.assets)) {
    if (!files.has(file)) add(file, isChunk(file) ? minify(asset.source) : asset.source);
  }
  checkLean(files.get('licenses.txt'));
  // The files module builds run from src/modules/python: a file the bundler did not carry fails
  // only when a package build needs it (wasi_compat.h once did), so refuse the bundle here.
  for (const f of await readdir(join(root, 'src', 'modules', 'python'))) {
    if (!files.has(`python/${f}`) && !files.has(f)) {
      throw new Error(`dist/cli: src/modules/python/${f} is not carried; name it with new URL().`);
    }
  }
  for (const [file, source] of files) {
    const left = /"[0-9a-f]{20}\.ts"/.exec(file.endsWith('.js') ? String(source) : '');
    if (left)
      throw new Error(
        `dist/cli/${file} still loads the TypeScript asset ${left[0]}, which node cannot run.`,
      );
  }
  // node must read the bundle as ES modules wherever dist/cli is copied (the image copies it).
  files.set('package.json', '{"type":"module"}\n');
  files.set('index.js', entryCode('cli', './bundle.js'));
  const listed = [...inputs].sort();
  files.set(
    INPUTS_FILE,
    `${JSON.stringify({ sha256: inputsHash(root, listed), files: listed }, null, 2)}\n`,
  );
  const total = await writeDir(join(outRoot, 'cli'), files);
  log(`dist/cli: ${files.size} files (${(total / 1024).toFixed(0)} KiB)`);
}

const entryCode = (name, from) =>
  `// Made by npm run package: starts ${name === 'cli' ? 'the CLI' : `the ${name} action`} from the bundle.\nimport { start } from '${from}';\n\nawait start('${name}');\n`;

const actions = await actionNames();
const names = positionals.length ? positionals : [...actions, 'cli'];
for (const n of names) {
  if (n !== 'cli' && !actions.includes(n))
    throw new Error(`No bundle '${n}'; the bundles are: ${[...actions, 'cli'].join(', ')}.`);
}
await checkEntries(actions);
await mkdir(outRoot, { recursive: true });
await packageBundle();
for (const name of names.filter((n) => n !== 'cli')) {
  await writeDir(join(outRoot, name), new Map([['index.js', entryCode(name, '../cli/bundle.js')]]));
}
// node reads the actions' entries as ES modules through this, the nearest package.json.
await writeFile(join(outRoot, 'package.json'), '{"type":"module"}\n');
