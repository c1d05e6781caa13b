import { describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { REPO_ROOT } from '../../src/paths.js';

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

  test('the workflows test that Node and the one the actions run on', async () => {
    const pkg = await json<{ engines: { node: string } }>('package.json');
    const tests = await readFile(join(REPO_ROOT, '.github/workflows/tests.yml'), 'utf8');
    const matrix = /^\s*node: \[([\d, ]+)\]/m.exec(tests)?.[1]?.split(',').map(Number);
    expect(matrix).toContain(semver.minVersion(pkg.engines.node)!.major);
    expect(matrix).toContain(24);
  });
});
