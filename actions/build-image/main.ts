import { buildImageAction } from '../../src/actions/image.js';
import { runAction } from '../../src/actions/run-action.js';

/** Builds the cpython image from a release bundle, and pushes it when asked. */
export const run = (): Promise<void> => runAction(buildImageAction);
