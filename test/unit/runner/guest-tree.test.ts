import { expect, test } from '@jest/globals';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeGuestTree } from '../../../src/runner/guest-tree.js';

// What a guest can build with renames: a tree whose files sit deeper than PATH_MAX, which a
// plain recursive remove gives up on (ENAMETOOLONG).
test('a tree deeper than PATH_MAX (built by renames) is removed whole', async () => {
  const top = await mkdtemp(join(tmpdir(), 'fp-deep-'));
  try {
    const root = join(top, 'call');
    const chain = (name: string) => {
      let p = join(root, name);
      mkdirSync(p, { recursive: true });
      for (let i = 0; i < 14; i++) mkdirSync((p = join(p, `${'d'.repeat(200)}${i}`)));
      return p;
    };
    const a = chain('a');
    writeFileSync(join(chain('b'), 'file'), 'x');
    renameSync(join(root, 'b'), join(a, 'b'));
    await expect(rm(root, { recursive: true, force: true })).rejects.toThrow(/ENAMETOOLONG/);
    await removeGuestTree(root);
    expect(await readdir(top)).toEqual([]);
  } finally {
    await removeGuestTree(top);
  }
});
