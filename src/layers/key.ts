// A layer's key: the hash of its inputs, code and dependency keys.
import { hashJson } from '../util/hash.js';
import type { Json } from './types.js';

/** Bump when the layout of committed layers changes, so old entries are never misread. */
export const LAYER_FORMAT = 2; // 2: meta.json lists every file of the layer

/**
 * A layer's key: the hash of its name, its declared inputs and the keys of the layers it
 * consumes. It never involves time, paths or the machine's name.
 */
export function layerKey(name: string, inputs: Json, depKeys: Record<string, string>): string {
  return hashJson({ format: LAYER_FORMAT, layer: name, inputs, deps: depKeys });
}

export function shortKey(key: string): string {
  return key.slice(0, 12);
}
