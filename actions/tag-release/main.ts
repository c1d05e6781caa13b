import { tagReleaseAction } from '../../src/actions/release.js';
import { runAction } from '../../src/actions/run-action.js';

/** Tags v<VERSION> and creates or updates the GitHub release with the bundle attached. */
export const run = (): Promise<void> => runAction(tagReleaseAction);
