import { buildLayerAction } from '../../src/actions/build.js';
import { runAction } from '../../src/actions/run-action.js';

/**
 * Builds CPython for wasm32-wasi, with the C libraries it links,
 * and what it needs; each layer comes from the cache when unchanged.
 */
export const run = (): Promise<void> => runAction(() => buildLayerAction('wasm'));
