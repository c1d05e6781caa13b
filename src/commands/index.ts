// Every CLI command, by name.
import { buildCommand } from './build.js';
import { bumpCommand } from './bump.js';
import { cacheCommand } from './cache.js';
import { changelogCommand } from './changelog.js';
import { imageCommand } from './image.js';
import { invokeCommand } from './invoke.js';
import { modulesCommand } from './modules.js';
import { pinDebianCommand } from './pin-debian.js';
import { regrtestCommand } from './regrtest.js';
import { releaseCommand } from './release.js';
import { reproduceCommand } from './reproduce.js';
import { runCommand } from './run.js';
import { setupCommand } from './setup.js';
import { stdlibDocCommand } from './stdlib-doc.js';
import { tagCommand } from './tag.js';
import type { Command } from './types.js';
import { uploadCommand } from './upload.js';
import { verifyCommand } from './verify.js';
import { versionCommand } from './version.js';

export const commands: readonly Command[] = [
  setupCommand,
  buildCommand,
  reproduceCommand,
  cacheCommand,
  modulesCommand,
  runCommand,
  regrtestCommand,
  stdlibDocCommand,
  uploadCommand,
  invokeCommand,
  versionCommand,
  bumpCommand,
  tagCommand,
  releaseCommand,
  verifyCommand,
  changelogCommand,
  imageCommand,
  pinDebianCommand,
];
