import { runFunctionsAction } from '../../src/actions/functions.js';
import { runAction } from '../../src/actions/run-action.js';

/** Runs Python functions through the local Faasm host against the built runtime. */
export const run = (): Promise<void> => runAction(runFunctionsAction);
