import { REPO_ROOT } from '../paths.js';
import { createTag } from '../release/tag.js';
import { stringOption } from './common.js';
import type { Command } from './types.js';

export const tagCommand: Command = {
  name: 'tag',
  summary: 'Create the annotated tag v<VERSION> at HEAD, and push it',
  usage: `Usage: faasm-python tag [--push] [--force] [--remote NAME] [--tag vX.Y.Z]

  --push         push the tag to the remote too
  --force        move a tag of that name that points at another commit
  --remote NAME  the remote to push to (default origin)
  --tag NAME     the tag you expect; refused unless it is v<VERSION>

Refused when the work tree has uncommitted changes or the versioned files disagree with VERSION.
Running it again on the same commit does nothing.`,
  options: {
    push: { type: 'boolean' },
    force: { type: 'boolean' },
    remote: { type: 'string' },
    tag: { type: 'string' },
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
    const what = result.created ? 'created' : 'already at HEAD';
    const pushed = result.pushed ? `, pushed to ${remote ?? 'origin'}` : '';
    console.log(`${result.tag} ${what} (${result.commit.slice(0, 12)})${pushed}`);
    return 0;
  },
};
