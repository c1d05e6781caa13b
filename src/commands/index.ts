import { buildCommand } from './build.js';
import { cacheCommand } from './cache.js';
import { setupCommand } from './setup.js';
import type { Command } from './types.js';

export const commands: readonly Command[] = [setupCommand, buildCommand, cacheCommand];
