// Writes third-party/modules/recipe.schema.json from the recipe rule in src/modules/recipe.ts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { REPO_ROOT } from '../src/paths.js';
import { RECIPE_SCHEMA_FILE, recipeJsonSchema } from '../src/modules/recipe-schema.js';

const file = join(REPO_ROOT, RECIPE_SCHEMA_FILE);
const options = (await resolveConfig(file)) ?? {};
await writeFile(
  file,
  await format(JSON.stringify(recipeJsonSchema()), { ...options, parser: 'json' }),
);
console.log(`wrote ${RECIPE_SCHEMA_FILE}`);
