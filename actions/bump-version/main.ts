import { bumpVersionAction } from '../../src/actions/release.js';
import { runAction } from '../../src/actions/run-action.js';

/** Bumps VERSION by semver rules and rewrites every versioned file to match. */
export const run = (): Promise<void> => runAction(bumpVersionAction);
