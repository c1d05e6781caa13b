import type { Layer } from './layers/types.js';
import { toolchainLayer } from './toolchain/layer.js';

/** Every layer, dependencies first. */
export const pipeline: readonly Layer[] = [toolchainLayer];
