import { runAction } from '../../src/actions/run-action.js';
import { setupToolchainAction } from '../../src/actions/setup-toolchain.js';

/** Installs the toolchain (from cached .deb archives when warm) and runs the toolchain layer. */
export const run = (): Promise<void> => runAction(setupToolchainAction);
