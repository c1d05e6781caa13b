import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the default base is pinned, in a file Dependabot's docker ecosystem keeps current. */
export const PINNED_BASE_FILE = join('third-party', 'node-base', 'Dockerfile');

/** The FROM of that file: an image named by tag and the digest of its index. Pure. */
export function parsePinnedBase(text: string): string {
  const from = /^FROM\s+(\S+)\s*$/m.exec(text)?.[1] ?? '';
  if (!/^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/.test(from)) {
    throw new Error(`${PINNED_BASE_FILE} should say FROM name:tag@sha256:<digest>, not '${from}'`);
  }
  return from;
}

/** The base the image is built on when no other is asked for (node:24-slim by digest). */
export async function pinnedNodeBase(repoRoot: string): Promise<string> {
  return parsePinnedBase(await readFile(join(repoRoot, PINNED_BASE_FILE), 'utf8'));
}
