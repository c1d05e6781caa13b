import { describe, expect, test } from '@jest/globals';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { REPO_ROOT } from '../../src/paths.js';
import { parseNodeVersionFile } from '../../scripts/ensure-node.mjs';

interface Lock {
  packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }>;
}

const json = async <T>(file: string) =>
  JSON.parse(await readFile(join(REPO_ROOT, file), 'utf8')) as T;

describe('Node versions', () => {
  test('every locked package runs on the oldest Node the engines field allows (no EBADENGINE)', async () => {
    const pkg = await json<{ engines: { node: string } }>('package.json');
    const lock = await json<Lock>('package-lock.json');
    expect(lock.packages['']?.engines).toEqual(pkg.engines);
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    const refusing = Object.entries(lock.packages)
      .map(([name, p]) => [name, Array.isArray(p.engines) ? undefined : p.engines?.node] as const)
      .filter(([, range]) => range && !semver.satisfies(oldest, range))
      .map(([name, range]) => `${name || 'the project'} needs node ${range}`);
    expect(refusing).toEqual([]);
  });

  test('.node-version names the oldest Node engines allows, and every workflow reads it', async () => {
    const pkg = await json<{ engines: { node: string } }>('package.json');
    const wanted = parseNodeVersionFile(await readFile(join(REPO_ROOT, '.node-version'), 'utf8'));
    expect(wanted).toEqual([semver.minVersion(pkg.engines.node)!.major]);
    const dir = join(REPO_ROOT, '.github/workflows');
    for (const name of await readdir(dir)) {
      const text = await readFile(join(dir, name), 'utf8');
      const setups = text.split('uses: actions/setup-node@').slice(1);
      for (const step of setups) {
        const withBlock = /^[^\n]*\n((?: +[^ \-\n].*\n)*)/.exec(step)?.[1] ?? '';
        expect([name, /node-version-file: \.node-version$/m.test(withBlock)]).toEqual([name, true]);
        expect([name, /node-version:/.test(withBlock)]).toEqual([name, false]);
      }
    }
  });
});
