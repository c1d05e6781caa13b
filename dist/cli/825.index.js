export const id = 825;
export const ids = [825];
export const modules = {

/***/ 5825:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  M: () => (/* binding */ recipeFor),
  resolveRequirements: () => (/* binding */ resolveRequirements),
  writeRecipes: () => (/* binding */ writeRecipes)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: external "node:url"
var external_node_url_ = __webpack_require__(3136);
// EXTERNAL MODULE: ./src/util/errors.ts
var errors = __webpack_require__(17);
// EXTERNAL MODULE: ./src/util/exec.ts
var exec = __webpack_require__(7895);
// EXTERNAL MODULE: ./src/util/fs.ts
var fs = __webpack_require__(1917);
// EXTERNAL MODULE: ./src/modules/recipe.ts
var recipe = __webpack_require__(6095);
// EXTERNAL MODULE: ./node_modules/ajv/dist/2020.js
var _2020 = __webpack_require__(2210);
// EXTERNAL MODULE: ./src/modules/schema.ts
var schema = __webpack_require__(9962);
;// CONCATENATED MODULE: ./src/modules/recipe-schema.ts



/** The published schema, beside the recipes: `"$schema": "../recipe.schema.json"`. */
const RECIPE_SCHEMA_FILE = 'third-party/modules/recipe.schema.json';
/** The recipe schema as a JSON Schema document (what RECIPE_SCHEMA_FILE holds). */
function recipeJsonSchema() {
    return {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: 'https://github.com/faasm/python/third-party/modules/recipe.schema.json',
        title: 'faasm-python module recipe',
        description: 'third-party/modules/<name>/recipe.json: one Python module for the wasm runtime. Generated from src/modules/recipe.ts (npm run recipe-schema).',
        ...(0,schema/* toJsonSchema */.PF)(recipe/* recipeRule */.FU),
    };
}
let compiled;
const kindOf = (v) => Array.isArray(v) ? 'a list' : v === null ? 'null' : `a ${typeof v}`;
const TYPE_NAMES = {
    string: 'a string',
    object: 'an object',
    array: 'a list',
    boolean: 'true or false',
};
/** `/sources/0/sha256` -> `sources[0].sha256` */
function fieldOf(pointer, extra) {
    const parts = pointer.split('/').slice(1);
    if (extra !== undefined)
        parts.push(extra);
    return parts
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}
/** One ajv error as this project's field-and-sentence error, or undefined to leave it out. */
function toSchemaError(e) {
    const parent = (e.parentSchema ?? {});
    const params = e.params;
    const data = e.data;
    switch (e.keyword) {
        case 'required':
            return {
                field: fieldOf(e.instancePath, String(params.missingProperty)),
                message: 'is required',
            };
        case 'additionalProperties': {
            const known = Object.keys((parent.properties ?? {})).filter((k) => !k.startsWith('$'));
            return {
                field: fieldOf(e.instancePath, String(params.additionalProperty)),
                message: `is not a known field (the fields are: ${known.join(', ')})`,
            };
        }
        case 'type':
            return {
                field: fieldOf(e.instancePath),
                message: `must be ${TYPE_NAMES[String(params.type)] ?? String(params.type)}, not ${kindOf(data)}`,
            };
        case 'anyOf':
            return {
                field: fieldOf(e.instancePath),
                message: `must be a string or a list of strings, not ${kindOf(data)}`,
            };
        case 'enum':
            return {
                field: fieldOf(e.instancePath),
                message: `must be one of ${params.allowedValues.map((v) => `'${String(v)}'`).join(', ')}, not ${typeof data === 'string' ? `'${data}'` : JSON.stringify(data)}`,
            };
        case 'minItems': {
            const n = Number(params.limit);
            return {
                field: fieldOf(e.instancePath),
                message: `must have at least ${n} item${n === 1 ? '' : 's'}`,
            };
        }
        case 'pattern':
            if (e.propertyName !== undefined) {
                return {
                    field: fieldOf(e.instancePath, e.propertyName),
                    message: `is not ${String(parent.description ?? 'a valid name')}`,
                };
            }
            return {
                field: fieldOf(e.instancePath),
                message: `must be ${String(parent.description ?? `a string matching ${String(params.pattern)}`)}, not '${String(data)}'`,
            };
        default:
            // 'if', 'propertyNames': the errors under them say it better.
            return undefined;
    }
}
/** Every way `json` breaks the recipe schema, validated by ajv against the JSON Schema. */
function recipeSchemaErrors(json) {
    compiled ??= new _2020.Ajv2020({ allErrors: true, verbose: true, strict: false }).compile(recipeJsonSchema());
    if (compiled(json))
        return [];
    const errors = (compiled.errors ?? []).filter(
    // A bad 'lines' value: the anyOf error alone, not one per branch.
    (e, _i, all) => !all.some((o) => o !== e &&
        o.keyword === 'anyOf' &&
        o.instancePath === e.instancePath &&
        e.schemaPath.startsWith(`${o.schemaPath}/`)));
    const out = [];
    for (const e of errors) {
        const se = toSchemaError(e);
        if (se && !out.some((o) => o.field === se.field && o.message === se.message))
            out.push(se);
    }
    return out;
}

// EXTERNAL MODULE: ./src/util/format.ts
var format = __webpack_require__(2693);
;// CONCATENATED MODULE: ./src/modules/pypi.ts









const RESOLVE = (0,external_node_url_.fileURLToPath)(__webpack_require__.ab + "pypi_resolve.py");
/** Resolves requirements on the index pip is configured with, with the build Python. */
async function resolveRequirements(python, requirements, work, log) {
    try {
        const { stdout } = await (0,exec/* exec */.m0)(python, [RESOLVE, work, ...requirements], {
            log,
            env: { PYTHONNOUSERSITE: '1' },
        });
        return JSON.parse(stdout);
    }
    catch (err) {
        if (err instanceof errors/* ExecError */.cI) {
            const said = err.tail.find((l) => l.startsWith('faasm-error: '));
            if (said)
                throw new errors/* UserError */.yo(said.slice('faasm-error: '.length));
        }
        throw err;
    }
}
/** The recipe `modules add` writes for a resolved package (JSON, ready to edit). */
function recipeFor(p, requirementText) {
    const how = p.kind === 'pure' && p.source.file.endsWith('.whl')
        ? 'its pure wheel, installed as is'
        : `its sdist, built by its own backend (${p.backend ?? 'setuptools'}) for wasm32-wasi${p.kind === 'c-extension' ? '; every extension module it builds is linked into py_func.wasm as a built-in' : ''}`;
    const test = p.imports.map((m) => `import ${m}`);
    return {
        $schema: '../recipe.schema.json',
        name: p.name,
        version: p.version,
        ...(p.summary ? { summary: p.summary.replace(/\s+/g, ' ').trim() } : {}),
        kind: p.kind,
        $comment: `Written by 'faasm-python modules add ${requirementText}': ${how}. Edit freely: patches, pipEnv, configSettings, prune, extensions (names the build must produce), test.`,
        ...(p.requires.length ? { requires: p.requires } : {}),
        sources: [p.source],
        ...(p.buildRequires.length ? { buildRequires: p.buildRequires } : {}),
        test,
    };
}
/** JSON as the repository's prettier writes it. */
function formatJson(file, json) {
    return (0,format/* asRepoFormats */.N)(file, `${JSON.stringify(json, null, 2)}\n`, 'json');
}
/**
 * Writes one recipe per resolved package into third-party/modules. A package that already has
 * a recipe keeps it (the recipe may carry patches and fixes) unless it was named and `force`
 * is set. Every recipe is validated before any is written; they land together.
 */
async function writeRecipes(repoRoot, packages, requirementText, force) {
    const result = { written: [], kept: [] };
    const staged = [];
    for (const p of packages) {
        const dir = (0,external_node_path_.join)((0,recipe/* recipesDir */.FJ)(repoRoot), p.name);
        if ((await (0,fs/* exists */.t2)((0,external_node_path_.join)(dir, 'recipe.json'))) && !(force && p.requested)) {
            result.kept.push(p.name);
            continue;
        }
        const json = recipeFor(p, requirementText);
        (0,recipe/* parseRecipe */.Cl)(json, (0,recipe/* recipeFile */.PN)(p.name), p.name);
        const schemaErrors = recipeSchemaErrors(json);
        if (schemaErrors[0]) {
            throw new Error(`the recipe written for ${p.name} breaks ${RECIPE_SCHEMA_FILE} at '${schemaErrors[0].field}': ${schemaErrors[0].message}`);
        }
        staged.push([dir, await formatJson((0,external_node_path_.join)(dir, 'recipe.json'), json)]);
    }
    for (const [dir, text] of staged) {
        await (0,promises_.mkdir)(dir, { recursive: true });
        const tmp = (0,external_node_path_.join)(dir, `recipe.json.tmp-${process.pid}`);
        await (0,promises_.writeFile)(tmp, text);
        try {
            await (0,promises_.rename)(tmp, (0,external_node_path_.join)(dir, 'recipe.json'));
        }
        catch (err) {
            await (0,promises_.rm)(tmp, { force: true });
            throw err;
        }
        result.written.push((0,recipe/* recipeFile */.PN)(dir.split('/').pop()));
    }
    return result;
}


/***/ })

};
