import { describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpythonLines, readCPythonConfig } from '../../../src/cpython/config.js';
import { buildOptions } from '../../../src/commands/common.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { UserError } from '../../../src/util/errors.js';

describe('CPython lines', () => {
  test('the default line is 3.11 on the machine toolchain; 3.13 is trixie-built', async () => {
    const lines = await cpythonLines(REPO_ROOT);
    expect(lines.default).toBe('3.11');
    const def = await readCPythonConfig(REPO_ROOT);
    expect(def).toMatchObject({ line: '3.11', version: '3.11.2', toolchain: 'toolchain' });
    const next = await readCPythonConfig(REPO_ROOT, '3.13');
    expect(next).toMatchObject({ line: '3.13', version: '3.13.5', toolchain: 'toolchain-trixie' });
    expect(next.native.debianRoot).toEqual({ suite: 'trixie', root: 'python' });
    expect(next.sourcePatches?.apply).toContain('CVE-2026-6019.patch');
  });

  test('an unknown line is one sentence naming the lines', async () => {
    const err = await readCPythonConfig(REPO_ROOT, '3.12').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      "There is no CPython line '3.12'; choose one of 3.11, 3.13 (third-party/cpython/lines.json).",
    );
  });
});

describe('docs/security.md', () => {
  test('lists every Debian patch the 3.13 line applies, each once, with its CVE or why it has none', async () => {
    const doc = await readFile(join(REPO_ROOT, 'docs', 'security.md'), 'utf8');
    const rows = doc.split('\n').filter((l) => /^\| `[^`]+\.patch`/.test(l));
    const cfg = await readCPythonConfig(REPO_ROOT, '3.13');
    const listed = rows.map((r) => /^\| `([^`]+)`/.exec(r)![1]);
    expect(listed).toEqual(cfg.sourcePatches!.apply);
    for (const row of rows) {
      const [, patch, cve] = row.split('|').map((c) => c.trim());
      const named = /^`(CVE-\d{4}-\d+)/.exec(patch!)?.[1];
      if (named) expect(cve!.startsWith(named)).toBe(true);
      else expect(cve).toMatch(/no CVE: .+/);
    }
  });
});

describe('--python', () => {
  test('selects a line by name; anything else is refused before a build starts', () => {
    const cacheDir = process.env.TMPDIR ?? '/tmp';
    expect(buildOptions({ python: '3.13', 'cache-dir': cacheDir }).python).toBe('3.13');
    expect(buildOptions({ 'cache-dir': cacheDir }).python).toBeUndefined();
    expect(() => buildOptions({ python: 'latest', 'cache-dir': cacheDir })).toThrow(
      "--python takes a CPython line such as 3.13, not 'latest'.",
    );
  });
});
