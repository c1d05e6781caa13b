// Container registries: parsing references, a local registry for tests, pulling and reading
// digests.
import semver from 'semver';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePackages } from '../toolchain/system-packages.js';
import { UserError, errorMessage } from '../util/errors.js';
import { exec } from '../util/exec.js';
import { removeTree } from '../util/fs.js';

/** The registry part of an image reference (`127.0.0.1:5000/o/cpython:1` -> `127.0.0.1:5000`). */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && /[.:]|^localhost$/.test(first) ? first : 'docker.io';
}

/** Registries on this machine, which engines reach over plain HTTP. */
export function isLocalRegistry(registry: string): boolean {
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(registry);
}

export function registryUrl(registry: string): string {
  const host = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
  return `${isLocalRegistry(registry) ? 'http' : 'https'}://${host}`;
}

/**
 * Fails with one sentence when the registry does not answer at all. Any HTTP answer counts as
 * reachable (a 401 only means a login is needed, which the push itself reports).
 */
export async function checkRegistry(registry: string, timeoutMs = 5000): Promise<void> {
  try {
    await fetch(`${registryUrl(registry)}/v2/`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? errorMessage(err);
    throw new UserError(
      `The registry ${registry} is unreachable (${cause}); start it, or push to another with --registry.`,
    );
  }
}

/**
 * Podman, runc (the runtime that starts containers where podman's default crun cannot: see
 * container.ts) and Debian's docker-registry: installed with apt-get when root, else a UserError.
 */
export async function ensureImageTools(log?: string): Promise<string[]> {
  const { installed } = await ensurePackages(
    [
      { name: 'podman', provides: '/usr/bin/podman' },
      { name: 'runc', provides: '/usr/sbin/runc' },
      { name: 'docker-registry', provides: '/usr/bin/docker-registry' },
    ],
    log,
  );
  return installed;
}

export interface LocalRegistry {
  /** host:port, e.g. 127.0.0.1:41234 */
  address: string;
  dataDir: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts Debian's docker-registry (distribution) on 127.0.0.1 with storage in a temp dir, for
 * tests and for trying an image locally. This is the one process not started through exec():
 * it is a server that must outlive the call, so it is spawned and stopped here.
 */
export async function startLocalRegistry(
  binary = '/usr/bin/docker-registry',
): Promise<LocalRegistry> {
  const dataDir = await mkdtemp(join(tmpdir(), 'faasm-registry-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const config = join(dataDir, 'config.yml');
  await mkdir(join(dataDir, 'storage'));
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dataDir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${address}`,
      '',
    ].join('\n'),
  );
  const logPath = join(dataDir, 'registry.log');
  const fd = openSync(logPath, 'a');
  const child = spawn(binary, ['serve', config], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      resolve();
    });
    child.on('error', () => {
      exited = true;
      resolve();
    });
  });
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    await exit;
    await removeTree(dataDir);
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) {
      const tail = (await readFile(logPath, 'utf8').catch(() => '')).trim().split('\n').slice(-5);
      await removeTree(dataDir);
      throw new UserError(
        `docker-registry did not start on ${address}: ${tail.join(' | ') || 'no output'}.`,
      );
    }
    const ok = await fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { address, dataDir, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new UserError(`docker-registry did not answer on ${address} within 15 s.`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

export interface PulledImage {
  /** The manifest digest the registry reports. */
  digest: string | null;
  labels: Record<string, string>;
  /** The environment the image sets, as NAME=value. */
  env: string[];
  /** The image's layers unpacked in order. */
  rootfs: string;
}

/** The digest a registry reports for `repo:tag` (an index's own, when it names one). */
export async function manifestDigest(address: string, repo: string, tag: string) {
  const res = await fetch(`http://${address}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: [...INDEX_TYPES, MANIFEST_TYPES].join(', ') },
    signal: AbortSignal.timeout(20_000),
  });
  if (!res.ok) throw new Error(`HEAD ${repo}:${tag}: ${res.status}`);
  return res.headers.get('docker-content-digest');
}

/** GET of a path under a local registry's repository (plain HTTP, no auth). */
async function localGet(address: string, repo: string, path: string, accept?: string) {
  const res = await fetch(`http://${address}/v2/${repo}/${path}`, {
    headers: accept ? { accept } : {},
    signal: AbortSignal.timeout(120_000),
  });
  if (!res.ok) throw new Error(`GET ${repo}/${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** An image index (or Docker manifest list) as a registry serves it. */
export interface ImageIndex {
  mediaType?: string;
  manifests: {
    mediaType: string;
    digest: string;
    platform?: { os: string; architecture: string };
    annotations?: Record<string, string>;
  }[];
  annotations?: Record<string, string>;
}

/** `repo:tag`'s index from a local registry, with its digest; undefined when it is one image. */
export async function readIndex(address: string, repo: string, tag: string) {
  const res = await localGet(address, repo, `manifests/${tag}`, [...INDEX_TYPES, MANIFEST_TYPES].join(', ')); // prettier-ignore
  const body = (await res.json()) as ImageIndex & { config?: unknown };
  if (!Array.isArray(body.manifests)) return undefined;
  return { digest: res.headers.get('docker-content-digest'), index: body };
}

/**
 * Pulls an image back from a registry over the v2 HTTP API and unpacks its layers into `dest`,
 * with no container engine involved: what a test uses to check what was really pushed. A tag
 * naming an index is followed to its `platform` image (default linux/amd64).
 */
export async function pullImage(
  address: string,
  repo: string,
  tag: string,
  dest: string,
  platform = 'linux/amd64',
): Promise<PulledImage & { configDigest: string }> {
  const get = (path: string, accept?: string) => localGet(address, repo, path, accept);
  let res = await get(`manifests/${tag}`, [...INDEX_TYPES, MANIFEST_TYPES].join(', '));
  let digest = res.headers.get('docker-content-digest');
  let manifest = (await res.json()) as {
    config: { digest: string };
    layers: { digest: string }[];
  } & Partial<ImageIndex>;
  if (Array.isArray(manifest.manifests)) {
    const entry = manifest.manifests.find(
      (m) => `${m.platform?.os}/${m.platform?.architecture}` === platform,
    );
    if (!entry) throw new Error(`${repo}:${tag} is an index without ${platform}`);
    res = await get(`manifests/${entry.digest}`, MANIFEST_TYPES);
    digest = res.headers.get('docker-content-digest');
    manifest = (await res.json()) as typeof manifest;
  }
  const config = (await (await get(`blobs/${manifest.config.digest}`)).json()) as {
    config: { Labels?: Record<string, string>; Env?: string[] };
  };
  await mkdir(dest, { recursive: true });
  for (const [i, layer] of manifest.layers.entries()) {
    const file = join(dest, `.layer-${i}.tar.gz`);
    await writeFile(file, Buffer.from(await (await get(`blobs/${layer.digest}`)).arrayBuffer()));
    await exec('tar', ['-xzf', file, '-C', dest]);
    await rm(file);
  }
  return {
    digest,
    configDigest: manifest.config.digest,
    labels: config.config.Labels ?? {},
    env: config.config.Env ?? [],
    rootfs: dest,
  };
}

/** registry/repo:tag split into its parts. */
export function parseImageRef(image: string): { registry: string; repo: string; tag: string } {
  const registry = registryOf(image);
  const rest = image.startsWith(`${registry}/`) ? image.slice(registry.length + 1) : image;
  const colon = rest.lastIndexOf(':');
  if (colon <= 0 || rest.includes('@')) {
    throw new UserError(`The image '${image}' has no tag; name it as registry/owner/name:tag.`);
  }
  return { registry, repo: rest.slice(0, colon), tag: rest.slice(colon + 1) };
}

/**
 * A fetch of the registry's v2 API that follows the Bearer token challenge (anonymous, or with
 * GITHUB_TOKEN on ghcr.io), as pulling clients do.
 */
async function registryFetch(registry: string, repo: string, path: string, accept?: string) {
  const url = `${registryUrl(registry)}/v2/${repo}/${path}`;
  const headers: Record<string, string> = accept ? { accept } : {};
  let res = await fetch(url, { headers, signal: AbortSignal.timeout(20_000) });
  const challenge = res.headers.get('www-authenticate') ?? '';
  if (res.status === 401 && /^Bearer /i.test(challenge)) {
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    const realm = new URL(params.realm ?? '');
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? `repository:${repo}:pull`);
    const token = process.env.GITHUB_TOKEN;
    const auth: Record<string, string> =
      token && registry === 'ghcr.io'
        ? { authorization: `Basic ${Buffer.from(`token:${token}`).toString('base64')}` }
        : {};
    const t = await fetch(realm, { headers: auth, signal: AbortSignal.timeout(20_000) });
    if (t.ok) {
      const body = (await t.json()) as { token?: string; access_token?: string };
      const bearer = body.token ?? body.access_token;
      if (bearer) headers.authorization = `Bearer ${bearer}`;
      res = await fetch(url, { headers, signal: AbortSignal.timeout(20_000) });
    }
  }
  return res;
}

/**
 * The labels of an image in its registry: undefined when the tag does not exist. Multi-platform
 * images are read through their first manifest (every platform is built from one commit).
 */
export async function remoteLabels(image: string): Promise<Record<string, string> | undefined> {
  const { registry, repo, tag } = parseImageRef(image);
  const accept = [...INDEX_TYPES, MANIFEST_TYPES].join(', ');
  let res = await registryFetch(registry, repo, `manifests/${tag}`, accept);
  if (res.status === 404) return undefined;
  const fail = (r: Response) =>
    new UserError(
      `Cannot read ${image} from ${registry} (HTTP ${r.status}) to check it is not overwritten; log in to the registry (GITHUB_TOKEN) or push elsewhere.`,
    );
  if (!res.ok) throw fail(res);
  let manifest = (await res.json()) as {
    mediaType?: string;
    manifests?: { digest: string }[];
    config?: { digest: string };
  };
  const first = manifest.manifests?.[0];
  if (first) {
    res = await registryFetch(registry, repo, `manifests/${first.digest}`, MANIFEST_TYPES);
    if (!res.ok) throw fail(res);
    manifest = (await res.json()) as typeof manifest;
  }
  if (!manifest.config) return {};
  res = await registryFetch(registry, repo, `blobs/${manifest.config.digest}`);
  if (!res.ok) throw fail(res);
  const config = (await res.json()) as { config?: { Labels?: Record<string, string> } };
  return config.config?.Labels ?? {};
}

/**
 * The `org.opencontainers.image.revision` label of an image in its registry: undefined when the
 * tag does not exist, null when it exists without the label.
 */
export async function remoteRevision(image: string): Promise<string | null | undefined> {
  const labels = await remoteLabels(image);
  return labels && (labels['org.opencontainers.image.revision'] ?? null);
}

/**
 * Refuses to push a release tag (X.Y.Z) that the registry already holds from another commit:
 * a version names one build forever. Floating tags (X.Y, X, latest, branches) may move.
 */
export async function assertNotOverwriting(
  tags: readonly string[],
  revision: string,
  isReleaseTag: (tag: string) => boolean,
): Promise<void> {
  for (const image of tags) {
    if (!isReleaseTag(parseImageRef(image).tag)) continue;
    const existing = await remoteRevision(image);
    if (existing !== undefined && existing !== revision) {
      throw new UserError(
        `${image} was already pushed from ${existing ? `commit ${existing.slice(0, 12)}` : 'an unlabelled build'}, not ${revision.slice(0, 12)}, and a release tag is never overwritten: release a new version instead.`,
      );
    }
  }
}

/**
 * The tags to push for `version`, leaving out the floating ones (X.Y, X, latest) that the
 * registry already has at a higher version: rebuilding an old release (image.yml with its
 * version) must not move `latest` back. Returns what is kept and what was left alone, with why.
 */
export async function floatingTagsNotMovingBack(
  tags: readonly string[],
  version: string,
  isFloating: (tag: string) => boolean,
): Promise<{ keep: string[]; left: string[] }> {
  const keep: string[] = [];
  const left: string[] = [];
  for (const image of tags) {
    if (isFloating(parseImageRef(image).tag)) {
      const there = (await remoteLabels(image))?.['org.opencontainers.image.version'];
      if (there && semver.valid(there) && semver.gt(there, version)) {
        left.push(`${image} stays at ${there}, newer than ${version}`);
        continue;
      }
    }
    keep.push(image);
  }
  return { keep, left };
}
