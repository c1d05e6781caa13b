import { buildFuncAction } from '../../src/actions/func.js';
import { runAction } from '../../src/actions/run-action.js';

/** Links the py_func entrypoint, lays out the runtime root, and optionally makes the bundle. */
export const run = (): Promise<void> => runAction(buildFuncAction);
