// The one bundle `npm run package` makes, dist/cli/bundle.js: the CLI and every action, each
// loaded on demand, so one webpack build puts the code they share in chunks of its own, once
// (a bundle per action carried the same layers, chunks and Python helpers many times).
// dist/cli/index.js and dist/<action>/index.js are two-line entries that call start(), as an
// action's index.ts calls its main.ts's run().

/** Runs the CLI (`cli`) or the action of that name, as its own process would. */
export async function start(name: string): Promise<void> {
  if (name === 'cli') {
    await import('./index.js');
    return;
  }
  const { actions } = await import('./actions.js');
  const run = actions[name];
  if (!run) {
    throw new Error(
      `No action '${name}' in the bundle; the actions are: ${Object.keys(actions).join(', ')}.`,
    );
  }
  await run();
}
