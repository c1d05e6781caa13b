#!/usr/bin/env node
// Starts the CLI from its bundle (dist/cli, made by `npm run package`) when the bundle was made
// from the sources as they are now: a checkout of a commit has it so (CI checks that dist/ is
// fresh), and the bundle starts in a fraction of tsx's time. After an edit to the sources it
// runs them through tsx instead, so the CLI never runs code older than the checkout.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleIsFresh } from './bundle-inputs.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
if (bundleIsFresh(root)) {
  // The bundle would take dist/ for the checkout (src/paths.ts): name it.
  globalThis.faasmPythonRoot = root;
  await import('../dist/cli/index.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/index.ts');
}
