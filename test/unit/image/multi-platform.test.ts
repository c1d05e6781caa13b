import { describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { debianArch } from '../../../src/image/debian-base.js';
import {
  IMAGE_PLATFORMS,
  assertIndexEngine,
  csvField,
  parsePlatforms,
  platformBases,
} from '../../../src/image/multi-platform.js';
import {
  PINNED_BASE_FILE,
  parsePinnedBase,
  pinnedNodeBase,
} from '../../../src/image/pinned-base.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { UsageError } from '../../../src/util/errors.js';

describe('the image for linux/amd64 and linux/arm64', () => {
  test('--platform: both by default, either alone, nothing else (a usage mistake)', () => {
    expect(parsePlatforms(IMAGE_PLATFORMS.join(','))).toEqual(['linux/amd64', 'linux/arm64']);
    expect(parsePlatforms(' linux/arm64 ,linux/arm64')).toEqual(['linux/arm64']);
    for (const bad of ['linux/s390x', '', 'linux/amd64,windows/amd64']) {
      expect(() => parsePlatforms(bad)).toThrow(UsageError);
    }
    expect(() => parsePlatforms('linux/386')).toThrow(
      "--platform takes linux/amd64 and/or linux/arm64 (comma-separated), not 'linux/386'.",
    );
  });

  test('a label value with commas and quotes is one CSV field for podman', () => {
    expect(csvField('k=a, b "c"')).toBe('"k=a, b ""c"""');
  });

  test("Debian's architecture for each platform", () => {
    expect(IMAGE_PLATFORMS.map(debianArch)).toEqual(['amd64', 'arm64']);
    expect(() => debianArch('linux/riscv64')).toThrow(/linux\/amd64 or linux\/arm64/);
  });

  test('an index is built with podman; docker is told so unless one platform is asked for', async () => {
    expect(() => assertIndexEngine('podman')).not.toThrow();
    expect(() => assertIndexEngine('docker')).toThrow(UsageError);
    const both = [...IMAGE_PLATFORMS];
    await expect(
      platformBases({ engine: 'docker', platforms: both, cacheDir: '/x' }),
    ).rejects.toThrow(
      'An image for several platforms is built with podman, not docker; pass --engine podman, or one --platform.',
    );
    expect(await platformBases({ engine: 'docker', platforms: ['linux/amd64'], base: 'b', cacheDir: '/x' })).toEqual({ base: 'b' }); // prettier-ignore
    expect(
      await platformBases({ engine: 'podman', platforms: both, base: 'b', cacheDir: '/x' }),
    ).toEqual({
      platforms: [
        { platform: 'linux/amd64', base: 'b' },
        { platform: 'linux/arm64', base: 'b' },
      ],
    });
  });

  test('the default base is node:24-slim pinned by digest, where Dependabot reads it', async () => {
    expect(await pinnedNodeBase(REPO_ROOT)).toMatch(/^node:24-slim@sha256:[0-9a-f]{64}$/);
    const dependabot = await readFile(join(REPO_ROOT, '.github/dependabot.yml'), 'utf8');
    expect(dependabot).toMatch(
      new RegExp(
        `package-ecosystem: docker\\n(?:\\s+#.*\\n)*\\s+directory: /${PINNED_BASE_FILE.replace('/Dockerfile', '')}\\n`,
      ),
    );
    // The Dockerfile has no base of its own to drift from the pinned one, and nothing it runs.
    const dockerfile = await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG BASE$/m);
    expect(dockerfile).not.toMatch(/^RUN /m);
    expect(() => parsePinnedBase('FROM node:24-slim\n')).toThrow(/name:tag@sha256/);
    expect(() => parsePinnedBase(`FROM node@sha256:${'a'.repeat(64)}\n`)).toThrow(
      /name:tag@sha256/,
    );
  });
});
