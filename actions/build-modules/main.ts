import { buildLayerAction } from '../../src/actions/build.js';
import { runAction } from '../../src/actions/run-action.js';

/**
 * Builds the Python modules, pure and C extensions, cross-compiled,
 * and what it needs; each layer comes from the cache when unchanged.
 */
export const run = (): Promise<void> => runAction(() => buildLayerAction('modules'));
