// third-party/modules/config.json: the settings every module build shares.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { BUILD_REQUIRES_RULE, type BuildRequirement } from './recipe.js';
import { check } from './schema.js';

/** `third-party/modules/config.json`: settings shared by every module. */
export interface ModulesConfig {
  cflags: string[];
  buildRequires: BuildRequirement[];
}

export const CONFIG_FILE = 'third-party/modules/config.json';

export async function readModulesConfig(repoRoot: string): Promise<ModulesConfig> {
  const json: unknown = JSON.parse(await readFile(join(repoRoot, CONFIG_FILE), 'utf8'));
  const errors = check(json, {
    type: 'object',
    required: ['cflags', 'buildRequires'],
    fields: {
      cflags: { type: 'array', items: { type: 'string' } },
      buildRequires: BUILD_REQUIRES_RULE,
    },
  });
  if (errors[0])
    throw new UserError(`${CONFIG_FILE}: field '${errors[0].field}' ${errors[0].message}.`);
  return json as ModulesConfig;
}
