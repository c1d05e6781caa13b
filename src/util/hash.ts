// sha256 of bytes, files, canonical JSON and whole trees.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** JSON with sorted object keys, so that equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

export function hashJson(value: unknown): string {
  return sha256(canonicalJson(value));
}

/**
 * Content hash of a directory tree: relative paths, the executable bit, file bytes and link
 * targets. Times, owners and the tree's own location never enter it.
 */
export async function hashTree(root: string, ignore: (rel: string) => boolean = () => false) {
  const hash = createHash('sha256');
  async function walk(rel: string): Promise<void> {
    const entries = (await readdir(join(root, rel))).sort();
    for (const name of entries) {
      const childRel = rel ? `${rel}/${name}` : name;
      if (ignore(childRel)) continue;
      const abs = join(root, childRel);
      const st = await lstat(abs);
      if (st.isSymbolicLink()) hash.update(`L ${childRel} ${await readlink(abs)}\n`);
      else if (st.isDirectory()) {
        hash.update(`D ${childRel}\n`);
        await walk(childRel);
      } else {
        const exec = st.mode & 0o111 ? 'x' : '-';
        hash.update(`F ${childRel} ${exec} ${sha256(await readFile(abs))}\n`);
      }
    }
  }
  await walk('');
  return hash.digest('hex');
}
