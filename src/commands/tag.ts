// `faasm-python tag`: the annotated tag v<VERSION> at HEAD, optionally pushed.
import { REPO_ROOT } from '../paths.js';
import { createTag } from '../release/tag.js';
import { printJson, stringOption } from './common.js';
import type { Command } from './types.js';

export const tagCommand: Command = {
  name: 'tag',
  summary: 'Create the annotated tag v<VERSION> at HEAD, and push it',
  usage: `Usage: faasm-python tag [--push] [--force] [--remote NAME] [--tag vX.Y.Z] [--json]

  --push         push the tag to the remote too
  --force        move a tag of that name that points at another commit
  --remote NAME  the remote to push to (default origin)
  --tag NAME     the tag you expect; refused unless it is v<VERSION>
  --json         print the result as JSON on stdout: tag, commit, created, pushed, remote

Refused when the work tree has uncommitted changes or the versioned files disagree with VERSION.
Running it again on the same commit does nothing.`,
  options: {
    push: { type: 'boolean' },
    force: { type: 'boolean' },
    remote: { type: 'string' },
    tag: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values) {
    const remote = stringOption(values, 'remote');
    const tag = stringOption(values, 'tag');
    const result = await createTag(REPO_ROOT, {
      push: values.push === true,
      force: values.force === true,
      ...(remote ? { remote } : {}),
      ...(tag ? { tag } : {}),
    });
    if (values.json === true) {
      printJson({ ...result, remote: result.pushed ? (remote ?? 'origin') : null });
      return 0;
    }
    const what = result.created ? 'created' : 'already at HEAD';
    const pushed = result.pushed ? `, pushed to ${remote ?? 'origin'}` : '';
    console.log(`${result.tag} ${what} (${result.commit.slice(0, 12)})${pushed}`);
    return 0;
  },
};
