export const id = 979;
export const ids = [979,825];
export const modules = {

/***/ 6979:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   compatRecipes: () => (/* binding */ compatRecipes),
/* harmony export */   failureReason: () => (/* binding */ failureReason),
/* harmony export */   mergeResults: () => (/* binding */ mergeResults),
/* harmony export */   passedResult: () => (/* binding */ passedResult),
/* harmony export */   readCompatEntries: () => (/* binding */ readCompatEntries),
/* harmony export */   renderCompat: () => (/* binding */ renderCompat),
/* harmony export */   withNotes: () => (/* binding */ withNotes)
/* harmony export */ });
/* unused harmony exports COMPAT_FILE, scrubReason */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _recipe_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6095);
/* harmony import */ var _pypi_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(5825);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(17);
/* harmony import */ var _schema_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(9962);






const COMPAT_FILE = 'third-party/modules/compat.json';
async function readCompatEntries(repoRoot) {
    const json = JSON.parse(await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(repoRoot, COMPAT_FILE), 'utf8'));
    const errors = (0,_schema_js__WEBPACK_IMPORTED_MODULE_5__/* .check */ .z6)(json, {
        type: 'object',
        required: ['packages'],
        fields: {
            packages: {
                type: 'array',
                minItems: 1,
                items: {
                    type: 'object',
                    required: ['requirement', 'test'],
                    fields: {
                        requirement: { type: 'string' },
                        quick: { type: 'boolean' },
                        test: { type: 'array', items: { type: 'string' } },
                        note: { type: 'string' },
                    },
                },
            },
        },
    });
    if (errors[0])
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .UserError */ .yo(`${COMPAT_FILE}: field '${errors[0].field}' ${errors[0].message}.`);
    return json.packages;
}
/**
 * The recipes for one attempt: each resolved package's own recipe from the repository when it
 * has one at the same version (it may carry fixes: patches, flags, libraries), else the recipe
 * `modules add` would write; the requested package is tested with the entry's test as well.
 */
function compatRecipes(entry, packages, repoRecipes) {
    const byName = new Map();
    for (const p of packages) {
        const own = repoRecipes.find((r) => r.name === p.name && r.version === p.version);
        const json = (0,_pypi_js__WEBPACK_IMPORTED_MODULE_3__/* .recipeFor */ .M)(p, entry.requirement);
        json.test = entry.test;
        const recipe = own ?? (0,_recipe_js__WEBPACK_IMPORTED_MODULE_2__/* .parseRecipe */ .Cl)(json, `${COMPAT_FILE} (${entry.requirement})`);
        const test = own && p.requested ? `${own.test}\n${entry.test.join('\n')}` : recipe.test;
        byName.set(p.name, { ...recipe, test, set: 'default' });
    }
    // Build order: each after what it requires.
    const ordered = [];
    const visit = (r) => {
        if (ordered.includes(r))
            return;
        for (const d of r.requires) {
            const dep = byName.get(d);
            if (dep && dep !== r)
                visit(dep);
        }
        ordered.push(r);
    };
    for (const r of byName.values())
        visit(r);
    return ordered;
}
/** What Node prints after a trap: its version, wasm stack frames, the source line it threw at. */
const NODE_TRAILER = /^(Node\.js v\d|at wasm:\/\/|wasm:\/\/wasm\/|\^+$)/;
/**
 * A failure as one line: the first sentence, and the exception a failed test raised (a wasm
 * trap's RuntimeError rather than the runtime's trailer after it).
 */
function failureReason(err) {
    const lines = (0,_util_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .errorMessage */ .gJ)(err)
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !NODE_TRAILER.test(l));
    const first = lines[0] ?? 'failed';
    const raised = lines.length > 1 ? lines[lines.length - 1] : '';
    const text = scrubReason(raised && raised !== first ? `${first} ${raised}` : first);
    return text.length > 400 ? `${text.slice(0, 397)}...` : text;
}
/**
 * A reason as the table shows it, free of this run's paths: the log it points to (kept on the
 * machine that ran it), a configure check's temporary file, compat.json naming itself as the
 * recipe file.
 */
function scrubReason(text) {
    return text
        .replace(/; see \S+\.log\.$/, '.')
        .replace(/\/tmp\/tmp\w+\.(c|cc|cpp)(?=:)/g, "a configure check's test file")
        .replace(/ \(third-party\/modules\/compat\.json \([^)]*\)\)/g, '')
        .replace(/^third-party\/modules\/compat\.json \([^)]*\): /, '');
}
/** What a passing attempt's modules layer says about the requested package and its deps. */
async function passedResult(entry, requested, modulesDir) {
    const manifest = JSON.parse(await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(modulesDir, 'modules.json'), 'utf8'));
    return {
        requirement: entry.requirement,
        name: requested.name,
        version: requested.version,
        kind: manifest.modules.find((m) => m.name === requested.name)?.kind ?? requested.kind,
        file: requested.source.file,
        passed: true,
        extensions: manifest.modules.flatMap((m) => m.extensions),
        siteBytes: manifest.modules.reduce((n, m) => n + m.bytes, 0),
        interpreterBytes: (await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.stat)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(modulesDir, 'bin', 'python-modules.wasm'))).size,
    };
}
/**
 * The table after re-attempting some packages: in compat.json's order, each entry's new result,
 * else its previous one (dropped when the entry's requirement changed since).
 */
function mergeResults(entries, previous, fresh) {
    return entries.flatMap((e) => {
        const r = fresh.find((x) => x.requirement === e.requirement) ??
            previous.find((x) => x.requirement === e.requirement);
        return r ? [r] : [];
    });
}
/** Failed rows with compat.json's current note on their cause. */
function withNotes(entries, results) {
    return results.map((r) => {
        const note = entries.find((e) => e.requirement === r.requirement)?.note;
        return !r.passed && note ? { ...r, note } : r;
    });
}
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
/**
 * docs/compat.md: one row per attempted package. The interpreter size added is measured against
 * the smallest passing interpreter without extensions (the same link, nothing compiled added).
 */
function renderCompat(results, when) {
    const baseline = Math.min(...results
        .filter((r) => r.passed && !r.extensions.length)
        .map((r) => r.interpreterBytes ?? Infinity));
    const passed = results.filter((r) => r.passed);
    const compiled = results.filter((r) => r.kind === 'c-extension');
    const rows = results.map((r) => {
        const added = r.passed && r.interpreterBytes !== undefined && Number.isFinite(baseline)
            ? kib(Math.max(0, r.interpreterBytes - baseline))
            : '';
        const result = r.passed
            ? `passes${r.extensions.length ? ` (built-in: ${r.extensions.map((e) => `\`${e}\``).join(', ')})` : ''}`
            : `fails: ${[r.reason, r.note].filter(Boolean).join(' Cause: ').replace(/\|/g, '\\|')}`;
        return `| ${r.name} | ${r.version} | ${r.kind} | ${result} | ${r.passed ? kib(r.siteBytes) : ''} | ${added} |`;
    });
    return [
        '# Compatibility of PyPI packages with the wasm runtime',
        '',
        `Generated by \`faasm-python modules compat\` (${when}) from \`${COMPAT_FILE}\`: each package is`,
        'resolved on the package index as `modules add` does, built for wasm32-wasi by its own build',
        'backend (its extension modules linked in as built-ins), and its test run inside the runtime.',
        'Sizes: the Python files it adds (with its dependencies), and the bytes its extensions add to the',
        'stripped interpreter (py_func.wasm grows by about the same).',
        '',
        `${passed.length} of ${results.length} pass; ${compiled.filter((r) => r.passed).length} of ${compiled.length} with compiled code.`,
        '',
        '| package | version | kind | result | site-packages | wasm added |',
        '| --- | --- | --- | --- | --- | --- |',
        ...rows,
        '',
    ].join('\n');
}


/***/ }),

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
