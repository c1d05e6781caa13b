#!/usr/bin/env node
// Bundles every action (actions/<name>/index.ts, beside its action.yml) with @vercel/ncc into
// dist/<name>/index.js, and modules loaded by URL (worker threads) beside it (see below); and the
// CLI (cli/index.ts) into dist/cli/, the CLI the cpython image carries.
// Deterministic: no source maps, no ncc cache, sorted licence file, each dist/<name>/ replaced
// whole. `--out DIR` writes elsewhere (the freshness test compares that with dist/); names given
// as arguments limit it to those actions.
//
// ncc reads actions/tsconfig.json (the nearest to each entry), which makes TypeScript emit ES
// modules; transpile-only, because `npm run typecheck` is the type check.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const ncc = require('@vercel/ncc');
const ts = require('typescript');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values, positionals } = parseArgs({
  options: { out: { type: 'string' }, quiet: { type: 'boolean' } },
  allowPositionals: true,
});
const outRoot = resolve(values.out ?? join(root, 'dist'));
const log = values.quiet ? () => {} : (line) => process.stderr.write(`${line}\n`);

/** The bundle named `cli` is the CLI; every other is an action. */
const entryDir = (name) => (name === 'cli' ? join(root, 'cli') : join(root, 'actions', name));

async function bundleNames() {
  const dirs = await readdir(join(root, 'actions'), { withFileTypes: true });
  return dirs
    .filter((d) => d.isDirectory() && existsSync(join(root, 'actions', d.name, 'action.yml')))
    .map((d) => d.name)
    .concat('cli')
    .sort();
}

async function bundle(entry) {
  const { code, assets } = await ncc(entry, {
    cache: false,
    minify: true,
    sourceMap: false,
    license: 'licenses.txt',
    transpileOnly: true,
    quiet: true,
  });
  return { code, assets };
}

// Bundles carry their whole dependency tree, but never the CLI's TypeScript loader. ncc lists
// every bundled package in the licence file, one block each starting with its name.
function checkLean(name, licences) {
  const loader = /^(tsx|esbuild|@esbuild\/[\w-]+)$/m.exec(String(licences ?? ''));
  if (loader)
    throw new Error(`dist/${name} bundles ${loader[1]}; an import pulls in the CLI loader.`);
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
 * gets its own bundle: actions/<name>/<x>.ts is bundled to <x>.js and the URL is pointed at it.
 */
async function bundleUrlModules(name, code, assets, add) {
  let out = code;
  for (const [file, asset] of Object.entries(assets)) {
    if (!file.endsWith('.ts')) continue;
    const src = sources.get(String(asset.source));
    const base = src ? basename(src, '.ts') : undefined;
    const entry = base && join(entryDir(name), `${base}.ts`);
    if (!entry || !existsSync(entry)) {
      throw new Error(
        `dist/${name}: the code loads ${src ?? file} by URL; add ${relative(root, entryDir(name))}/${base ?? '<name>'}.ts importing it, so it is bundled.`,
      );
    }
    const sub = await bundle(entry);
    add(`${base}.js`, fixRelocatedAssets(name, sub.code, sub.assets));
    for (const [f, a] of Object.entries(sub.assets)) {
      // Both bundles carry a licence list and a package.json: merge the one, set the other later.
      if (f === 'licenses.txt')
        add(f, mergeLicences(assets['licenses.txt']?.source, a.source), true);
      else if (f !== 'package.json') add(f, a.source);
    }
    out = out.split(JSON.stringify(file)).join(JSON.stringify(`${base}.js`));
    delete assets[file];
  }
  return out;
}

/**
 * ncc's asset relocation turns `fileURLToPath(new URL('./x', import.meta.url))` into
 * `fileURLToPath(<bundle dir> + "x")`, which throws (a path is not a file: URL), and emits the
 * files of a directory `./d/` flattened as `d<file>`. Both are put right: the call is dropped (its
 * argument already is the path), and each flattened file goes back under its directory, checked
 * against a directory of that name in src/ holding that file.
 */
function fixRelocatedAssets(name, code, assets) {
  const bad = /\(0,[\w$]+\.fileURLToPath\)\(([\w$]+\.ab\+"[^"]+")\)/g;
  let out = code.replace(bad, '($1)');
  if (/fileURLToPath\)?\([\w$]+\.ab\+/.test(out)) {
    throw new Error(
      `dist/${name}: a relocated asset path is still passed to fileURLToPath; see fixRelocatedAssets.`,
    );
  }
  for (const [, ref] of out.matchAll(/[\w$]+\.ab\+"([^"]+)"/g)) {
    if (assets[ref]) continue;
    for (const key of Object.keys(assets)) {
      if (!key.startsWith(ref) || key === ref) continue;
      const file = key.slice(ref.length);
      if (!dirsByName.get(ref)?.some((dir) => existsSync(join(dir, file)))) {
        throw new Error(`dist/${name}: cannot tell which directory the asset ${key} belongs to.`);
      }
      assets[`${ref}/${file}`] = assets[key];
      delete assets[key];
    }
  }
  return out;
}

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

async function packageAction(name) {
  const dir = join(outRoot, name);
  const files = new Map();
  const add = (file, source, replace = false) => {
    const prev = files.get(file);
    if (
      !replace &&
      prev !== undefined &&
      Buffer.compare(Buffer.from(prev), Buffer.from(source)) !== 0
    ) {
      throw new Error(`dist/${name}: two entries emit different ${file}`);
    }
    files.set(file, source);
  };
  const main = await bundle(join(entryDir(name), 'index.ts'));
  const fixed = fixRelocatedAssets(name, main.code, main.assets);
  const code = await bundleUrlModules(name, fixed, main.assets, add);
  add('index.js', code);
  for (const [file, asset] of Object.entries(main.assets)) {
    if (!files.has(file)) add(file, asset.source);
  }
  checkLean(name, files.get('licenses.txt'));
  // node must read the bundles as ES modules wherever dist/ is copied.
  files.set('package.json', '{"type":"module"}\n');

  await rm(dir, { recursive: true, force: true });
  let total = 0;
  for (const [file, source] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), source);
    total += Buffer.byteLength(source);
  }
  log(`dist/${name}: ${[...files.keys()].sort().join(', ')} (${(total / 1024).toFixed(0)} KiB)`);
}

/** Licence texts are blocks separated by blank lines, each starting with the package name. */
function mergeLicences(a = '', b = '') {
  const blocks = new Set([...String(a).split(/\n\n(?=\S)/), ...String(b).split(/\n\n(?=\S)/)]);
  return `${[...blocks]
    .filter((x) => x.trim())
    .sort()
    .join('\n\n')
    .trimEnd()}\n`;
}

const known = await bundleNames();
const names = positionals.length ? positionals : known;
for (const n of names) {
  if (!known.includes(n))
    throw new Error(`No bundle '${n}'; the bundles are: ${known.join(', ')}.`);
}
await mkdir(outRoot, { recursive: true });
// A few at a time: each bundle is mostly waiting on webpack's file reads.
const queue = [...names];
const worker = async () => {
  for (let name = queue.shift(); name; name = queue.shift()) await packageAction(name);
};
await Promise.all(Array.from({ length: Math.min(3, queue.length) }, worker));
