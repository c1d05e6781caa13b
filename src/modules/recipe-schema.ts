/**
 * The recipe's published JSON Schema (third-party/modules/recipe.schema.json, which each recipe
 * names as its `$schema` for editors): the `Recipe` declaration of recipe.ts with a title.
 */
import { Recipe } from './recipe.js';
import { type JsonSchema, type SchemaError, check } from './schema.js';

/** The published schema, beside the recipes: `"$schema": "../recipe.schema.json"`. */
export const RECIPE_SCHEMA_FILE = 'third-party/modules/recipe.schema.json';

/** The recipe schema as a JSON Schema document (what RECIPE_SCHEMA_FILE holds). */
export function recipeJsonSchema(): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/faasm/python/third-party/modules/recipe.schema.json',
    title: 'faasm-python module recipe',
    description:
      'third-party/modules/<name>/recipe.json: one Python module for the wasm runtime. Generated from src/modules/recipe.ts (npm run recipe-schema).',
    ...JSON.parse(JSON.stringify(Recipe)),
  };
}

/** Every way `json` breaks the recipe schema (what `modules add` checks a new recipe with). */
export function recipeSchemaErrors(json: unknown): SchemaError[] {
  return check(json, Recipe);
}
