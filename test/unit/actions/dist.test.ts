import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from '@jest/globals';
import { REPO, actionNames } from './workflow-files.js';

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  await walk(dir).catch(() => undefined);
  return out.sort();
}

let out: string | undefined;
afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('dist/', () => {
  // The same check CI makes with `npm run package && git status --porcelain dist`, without
  // touching the checkout: package into a temp dir and compare byte for byte.
  test('npm run package from this tree reproduces the committed bundles', async () => {
    out = await mkdtemp(join(tmpdir(), 'dist-'));
    await promisify(execFile)(
      process.execPath,
      ['scripts/package-actions.mjs', '--out', out, '--quiet'],
      {
        cwd: REPO,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const fresh = await files(out);
    const committed = await files(join(REPO, 'dist'));
    expect(fresh.filter((f) => f.endsWith('/index.js')).sort()).toEqual(
      // Every action, and the CLI the image carries.
      [...actionNames(), 'cli'].sort().map((n) => `${n}/index.js`),
    );
    const stale: string[] = [];
    for (const f of new Set([...fresh, ...committed])) {
      const [a, b] = await Promise.all([
        readFile(join(out, f)).catch(() => undefined),
        readFile(join(REPO, 'dist', f)).catch(() => undefined),
      ]);
      if (!a || !b || !a.equals(b))
        stale.push(`dist/${f} ${!b ? 'is missing' : !a ? 'is left over' : 'differs'}`);
    }
    // Run `npm run package` and commit dist/ when this fails.
    expect(stale).toEqual([]);
  }, 600_000);

  test('bundles stay lean: no TypeScript loader, the shared cache code loaded on demand', async () => {
    const licences = await readFile(join(REPO, 'dist', 'cli', 'licenses.txt'), 'utf8');
    expect(/^(tsx|esbuild)$/m.test(licences)).toBe(false);
    // What every front-end loads at start; the rest is in chunks loaded on demand.
    const size = (await readFile(join(REPO, 'dist', 'cli', 'bundle.js'))).length;
    expect(size < 256 * 1024).toBe(true);
  });

  test('one bundle: each action is a two-line entry into it, and no file is there twice', async () => {
    for (const name of actionNames()) {
      expect([name, await files(join(REPO, 'dist', name))]).toEqual([name, ['index.js']]);
      const entry = await readFile(join(REPO, 'dist', name, 'index.js'), 'utf8');
      expect(entry).toContain("import { start } from '../cli/bundle.js';");
      expect(entry).toContain(`await start('${name}');`);
    }
    const byContent = new Map<string, string>();
    const twice: string[] = [];
    for (const f of await files(join(REPO, 'dist'))) {
      const text = (await readFile(join(REPO, 'dist', f))).toString('base64');
      const other = byContent.get(text);
      // Two package.json files say the same by design: dist/cli/ is also copied on its own.
      if (other && !f.endsWith('package.json')) twice.push(`${other} = ${f}`);
      byContent.set(text, f);
    }
    expect(twice).toEqual([]);
  });
});
