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

/** Podman and Debian's docker-registry: installed with apt-get when root, else a UserError. */
export async function ensureImageTools(log?: string): Promise<string[]> {
  const { installed } = await ensurePackages(
    [
      { name: 'podman', provides: '/usr/bin/podman' },
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
    const ok = await fetch(`http://${address}/v2/`).then(
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

export interface PulledImage {
  /** The manifest digest the registry reports. */
  digest: string | null;
  labels: Record<string, string>;
  /** The image's layers unpacked in order. */
  rootfs: string;
}

/** The digest a registry reports for `repo:tag`. */
export async function manifestDigest(address: string, repo: string, tag: string) {
  const res = await fetch(`http://${address}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: MANIFEST_TYPES },
  });
  if (!res.ok) throw new Error(`HEAD ${repo}:${tag}: ${res.status}`);
  return res.headers.get('docker-content-digest');
}

/**
 * Pulls an image back from a registry over the v2 HTTP API and unpacks its layers into `dest`,
 * with no container engine involved: what a test uses to check what was really pushed.
 */
export async function pullImage(
  address: string,
  repo: string,
  tag: string,
  dest: string,
): Promise<PulledImage> {
  const get = async (path: string, accept?: string) => {
    const res = await fetch(`http://${address}/v2/${repo}/${path}`, {
      headers: accept ? { accept } : {},
    });
    if (!res.ok) throw new Error(`GET ${repo}/${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const res = await get(`manifests/${tag}`, MANIFEST_TYPES);
  const digest = res.headers.get('docker-content-digest');
  const manifest = (await res.json()) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  const config = (await (await get(`blobs/${manifest.config.digest}`)).json()) as {
    config: { Labels?: Record<string, string> };
  };
  await mkdir(dest, { recursive: true });
  for (const [i, layer] of manifest.layers.entries()) {
    const file = join(dest, `.layer-${i}.tar.gz`);
    await writeFile(file, Buffer.from(await (await get(`blobs/${layer.digest}`)).arrayBuffer()));
    await exec('tar', ['-xzf', file, '-C', dest]);
    await rm(file);
  }
  return { digest, labels: config.config.Labels ?? {}, rootfs: dest };
}
