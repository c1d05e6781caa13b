import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { describeFinding, ensureZizmor, zizmor } from '../../../src/workflows/zizmor.js';
import { cachePaths, defaultCacheDir } from '../../../src/paths.js';
import { REPO } from '../actions/workflow-files.js';

// zizmor (pinned, from PyPI, in a venv under the cache's tools dir) over every workflow, the
// Dependabot config and the actions: nothing may be found that .github/zizmor.yml does not
// suppress, and everything it suppresses says why.
const CONFIG = '.github/zizmor.yml';
let bin: string;
const scratch = mkdtempSync(join(tmpdir(), 'faasm-zizmor-'));
beforeAll(async () => {
  // A no-op once `faasm-python setup --test-tools` has installed it.
  bin = await ensureZizmor(cachePaths(defaultCacheDir()).tools);
}, 600_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('zizmor', () => {
  test('finds nothing in .github/ and actions/ beyond what its config suppresses', async () => {
    const findings = await zizmor(bin, ['.github', 'actions'], REPO, CONFIG);
    expect(findings.map(describeFinding)).toEqual([]);
  });

  test('every rule the config turns off or ignores has its reason just above it', () => {
    const lines = readFileSync(join(REPO, CONFIG), 'utf8').split('\n');
    const rules = lines.flatMap((l, i) => (/^ {2}[a-z][a-z0-9-]*:\s*$/.test(l) ? [i] : []));
    expect(rules.length).toBeGreaterThan(0);
    for (const i of rules) {
      let top = i;
      while (top > 0 && /^\s*#/.test(lines[top - 1] ?? '')) top--;
      const comment = lines.slice(top, i);
      expect([lines[i], comment.some((l) => /^\s*# Why: \S/.test(l))]).toEqual([lines[i], true]);
    }
  });

  test('the check can fail: cache poisoning, excessive permissions and a Dependabot without cooldown are found', async () => {
    const dir = join(scratch, 'bad');
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(
      join(dir, '.github', 'workflows', 'release.yml'),
      [
        'on:',
        '  push:',
        "    tags: ['v*']",
        'permissions: write-all',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-24.04',
        '    steps:',
        '      - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0',
        '        with:',
        '          cache: npm',
        '      - run: echo "${{ github.event.head_commit.message }}"',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, '.github', 'dependabot.yml'),
      'version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n',
    );
    const idents = new Set((await zizmor(bin, ['.github'], dir)).map((f) => f.ident));
    for (const ident of ['cache-poisoning', 'excessive-permissions', 'dependabot-cooldown']) {
      expect([ident, idents.has(ident)]).toEqual([ident, true]);
    }
  });
});
