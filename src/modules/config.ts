import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceRoute } from '../sources/types.js';
import { UserError } from '../util/errors.js';
import { check } from './schema.js';

/** A pure Python package pip needs to build modules (not installed into the runtime). */
export interface BuildRequirement {
  name: string;
  version: string;
  sources: SourceRoute[];
}

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
      buildRequires: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'version', 'sources'],
          fields: {
            name: { type: 'string' },
            version: { type: 'string' },
            sources: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                fields: {
                  kind: { type: 'string', enum: ['url', 'debian-binary', 'debian-source', 'path'] },
                  url: { type: 'string' },
                  package: { type: 'string' },
                  suite: { type: 'string' },
                  path: { type: 'string' },
                  file: { type: 'string' },
                  sha256: { type: 'string', pattern: /^[0-9a-f]{64}$/, must: '64 hex characters' },
                },
                required: ['kind', 'file', 'sha256'],
              },
            },
          },
        },
      },
    },
  });
  if (errors[0])
    throw new UserError(`${CONFIG_FILE}: field '${errors[0].field}' ${errors[0].message}.`);
  return json as ModulesConfig;
}
