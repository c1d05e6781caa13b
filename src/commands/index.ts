import { buildCommand } from './build.js';
import { bumpCommand } from './bump.js';
import { cacheCommand } from './cache.js';
import { imageCommand } from './image.js';
import { releaseCommand } from './release.js';
import { setupCommand } from './setup.js';
import { tagCommand } from './tag.js';
import type { Command } from './types.js';
import { versionCommand } from './version.js';

export const commands: readonly Command[] = [
  setupCommand,
  buildCommand,
  cacheCommand,
  versionCommand,
  bumpCommand,
  tagCommand,
  releaseCommand,
  imageCommand,
];
