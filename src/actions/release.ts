// The bump-version and tag-release actions.
import * as core from '@actions/core';
import { commitOf, git } from '../release/git.js';
import { resolveGitHubTarget } from '../release/github-target.js';
import { publishTaggedRelease } from '../release/publish.js';
import { assertTagMatchesVersion, createTag, tagName } from '../release/tag.js';
import { PRE_IDS, type BumpPart } from '../release/version.js';
import { assertInStep, bumpVersion, checkVersions } from '../release/versioned-files.js';
import { verifyBundle } from '../release/bundle.js';
import { formatBytes } from '../util/fs.js';
import { workspaceRoot } from './context.js';
import { InputError, getBoolean, getEnum, getPath, getString } from './inputs.js';
import { code, keyValueTable, markdownTable, writeSummary } from './summary.js';

/** bump-version: VERSION by semver rules, and every file that repeats it. */
export async function bumpVersionAction(): Promise<void> {
  const repoRoot = workspaceRoot();
  const part = getEnum<BumpPart | ''>('part', ['major', 'minor', 'patch', ''], '');
  const set = getString('set');
  const pre = getEnum<(typeof PRE_IDS)[number] | ''>('pre', [...PRE_IDS, ''], '');
  if (!part && !set && !pre) {
    throw new InputError(
      "Set input 'part' (major, minor or patch), 'set' (X.Y.Z) or 'pre' (alpha, beta or rc).",
    );
  }
  if (part && set) throw new InputError("Set either input 'part' or input 'set', not both.");
  const result = await bumpVersion(repoRoot, {
    ...(part ? { part } : {}),
    ...(set ? { set } : {}),
    ...(pre ? { pre } : {}),
  });
  core.info(`${result.from} -> ${result.to}: ${result.files.join(', ')}`);
  core.setOutput('version', result.to);
  core.setOutput('previous', result.from);
  core.setOutput('tag', tagName(result.to));
  core.setOutput('files', result.files.join('\n'));
  await writeSummary(
    `### bump-version: ${code(result.from)} → ${code(result.to)}\n\n${markdownTable(
      ['Rewritten file'],
      result.files.map((f) => [code(f)]),
    )}\n`,
  );
}

/**
 * tag-release: the annotated tag v<VERSION> at HEAD (nothing to do when a pushed tag is already
 * there), then the GitHub release with the bundle's files attached, created or updated.
 */
export async function tagReleaseAction(): Promise<void> {
  const repoRoot = workspaceRoot();
  const expected = getString('tag') || undefined;
  const version = await assertTagMatchesVersion(repoRoot, expected);
  const tag = tagName(version);
  const bundleDir = await getPath('bundle-dir', { base: repoRoot, mustBe: 'dir' });
  const release = getBoolean('release', true);
  if (release && !bundleDir)
    throw new InputError("Input 'bundle-dir' is required to publish a release.");
  // Check everything that can be checked here before anything is tagged or published.
  assertInStep(await checkVersions(repoRoot));
  const bundle = bundleDir ? await verifyBundle(bundleDir, version) : undefined;

  const head = await git(repoRoot, ['rev-parse', 'HEAD']);
  let created = false;
  let pushed = false;
  if ((await commitOf(repoRoot, `refs/tags/${tag}`)) === head) {
    core.info(`${tag} is already at HEAD (${head.slice(0, 12)})`);
  } else {
    const remote = getString('remote', { default: 'origin' });
    const result = await createTag(repoRoot, { push: getBoolean('push'), remote, tag });
    created = result.created;
    pushed = result.pushed;
    core.info(
      `${tag} ${created ? 'created' : 'already at HEAD'}${pushed ? `, pushed to ${remote}` : ''}`,
    );
  }
  core.setOutput('tag', tag);
  core.setOutput('version', version);
  core.setOutput('commit', head);

  const rows: [string, string][] = [
    [
      'Tag',
      `${code(tag)} at ${code(head.slice(0, 12))}${created ? ' (created)' : ''}${pushed ? ' (pushed)' : ''}`,
    ],
  ];
  if (release && bundle) {
    const target = resolveGitHubTarget({
      token: getString('token') || undefined,
      repo: getString('repository') || undefined,
    });
    core.setSecret(target.token);
    const result = await publishTaggedRelease({
      repoRoot,
      target,
      tag,
      version,
      files: bundle.files,
      warn: (m) => core.warning(m),
      info: (m) => core.info(m),
    });
    core.setOutput('release-url', result.url);
    core.setOutput('release-id', String(result.releaseId));
    core.setOutput('uploaded', result.uploaded.join('\n'));
    rows.push(
      [
        'Release',
        `[${tag}](${result.url}) ${result.action}${result.prerelease ? ' (pre-release)' : ''}`,
      ],
      ['Uploaded', String(result.uploaded.length)],
      ['Unchanged', String(result.skipped.length)],
    );
  }
  const assets = bundle
    ? `\n\n${markdownTable(
        ['Asset', 'Size', 'SHA-256'],
        bundle.files.map((f) => [code(f.name), formatBytes(f.size), code(f.sha256)]),
        ['left', 'right', 'left'],
      )}`
    : '';
  await writeSummary(`### tag-release ${code(tag)}\n\n${keyValueTable(rows)}${assets}\n`);
}
