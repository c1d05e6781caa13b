import { buildCommand } from './build.js';
import { cacheCommand } from './cache.js';
import type { Command } from './types.js';

export const commands: readonly Command[] = [buildCommand, cacheCommand];
