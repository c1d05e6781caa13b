// third-party/modules/config.json: the settings every module build shares.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { BUILD_REQUIRES } from './recipe.js';
import { Fields, type Static, Type, validate } from './schema.js';

/** A pure Python package pip needs to build modules (not installed into the runtime). */
export type { BuildRequirement } from './recipe.js';

/** `third-party/modules/config.json`: settings shared by every module. */
const ModulesConfig = Fields({ cflags: Type.Array(Type.String()), buildRequires: BUILD_REQUIRES });
export type ModulesConfig = Static<typeof ModulesConfig>;

export const CONFIG_FILE = 'third-party/modules/config.json';

export async function readModulesConfig(repoRoot: string): Promise<ModulesConfig> {
  const json: unknown = JSON.parse(await readFile(join(repoRoot, CONFIG_FILE), 'utf8'));
  const { value, errors } = validate(ModulesConfig, json);
  if (errors)
    throw new UserError(`${CONFIG_FILE}: field '${errors[0]!.field}' ${errors[0]!.message}.`);
  return value;
}
