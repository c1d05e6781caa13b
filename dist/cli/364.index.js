export const id = 364;
export const ids = [364];
export const modules = {

/***/ 4364:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   readTestSuite: () => (/* binding */ readTestSuite),
/* harmony export */   renderSuite: () => (/* binding */ renderSuite),
/* harmony export */   runTestSuite: () => (/* binding */ runTestSuite)
/* harmony export */ });
/* unused harmony exports selection, parseJunit, summarise, testFiles */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_os__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _cpython_python_wasm_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(4246);
/* harmony import */ var _sources_fetch_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(4961);
/* harmony import */ var _sources_unpack_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(9398);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(17);
/* harmony import */ var _util_exec_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(7895);
/* harmony import */ var _util_fs_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(1917);
/* harmony import */ var _recipe_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(6095);
/* harmony import */ var _schema_js__WEBPACK_IMPORTED_MODULE_11__ = __webpack_require__(9962);
/* harmony import */ var _suite_layer_js__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(8381);












async function readTestSuite(repoRoot, name) {
    const file = (0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(repoRoot, 'third-party', 'modules', name, _recipe_js__WEBPACK_IMPORTED_MODULE_9__/* .TEST_SUITE_FILE */ .Pp);
    if (!(await (0,_util_fs_js__WEBPACK_IMPORTED_MODULE_8__/* .exists */ .t2)(file)))
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .UserError */ .yo(`${name} has no ${_recipe_js__WEBPACK_IMPORTED_MODULE_9__/* .TEST_SUITE_FILE */ .Pp} beside its recipe: nothing says how its test suite runs.`);
    const json = JSON.parse(await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(file, 'utf8'));
    const strings = { type: 'array', items: { type: 'string' } };
    const reasons = { type: 'map', values: { type: 'string' } };
    const errors = (0,_schema_js__WEBPACK_IMPORTED_MODULE_11__/* .check */ .z6)(json, {
        type: 'object',
        required: ['requires', 'paths'],
        fields: { requires: _recipe_js__WEBPACK_IMPORTED_MODULE_9__/* .BUILD_REQUIRES_RULE */ .Hm, paths: strings, support: strings, patches: strings, exclude: reasons, args: strings, expectedFailures: reasons, quick: strings },
    }); // prettier-ignore
    if (errors[0])
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .UserError */ .yo(`${file}: field '${errors[0].field}' ${errors[0].message}.`);
    const spec = {
        support: [],
        patches: [],
        exclude: {},
        args: [],
        expectedFailures: {},
        quick: [],
        ...json,
    };
    const outside = spec.quick.find((q) => !within(q.split('::')[0], spec.paths));
    if (outside)
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .UserError */ .yo(`${file}: quick entry ${outside} is not under any of its 'paths'; add its directory there or fix the entry.`);
    return spec;
}
const within = (path, dirs) => dirs.some((d) => path === d || path.startsWith(`${d}/`));
/** What pytest is asked to run: every path, or the quick selection (which must not be empty). */
function selection(spec, quick, name) {
    if (!quick)
        return spec.paths;
    if (!spec.quick.length)
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .UserError */ .yo(`${_recipe_js__WEBPACK_IMPORTED_MODULE_9__/* .TEST_SUITE_FILE */ .Pp} of ${name} has no 'quick' selection; list a few fast test files there, or run the whole suite without --quick.`);
    return spec.quick;
}
const xmlText = (s) => s
    .replace(/&#(\d+);/g, (_m, n) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
/**
 * Test cases from a JUnit XML report (pytest's --junitxml, junit_family xunit1, rootdir the
 * site-packages): ids are file::Class::name (file::name for a module-level test), the
 * parametrisation dropped; a module that failed to import is its file.
 */
function parseJunit(xml) {
    const cases = [];
    const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
    for (const m of xml.matchAll(re)) {
        const attr = (n) => xmlText(new RegExp(`\\b${n}="([^"]*)"`).exec(m[1])?.[1] ?? '');
        const body = m[3] ?? '';
        const [file, classname] = [attr('file'), attr('classname')];
        const name = attr('name').replace(/\[.*$/, '');
        const module = file.replace(/\.py$/, '').replace(/\//g, '.');
        const cls = classname.startsWith(`${module}.`) ? classname.slice(module.length + 1) : '';
        // A module that failed to import: classname empty, the module's dotted name as the name.
        const uncollected = classname
            ? undefined
            : file || /test module '([^']+\.py)'/.exec(body)?.[1] || `${name.replace(/\./g, '/')}.py`;
        const id = uncollected ?? [file, ...(cls ? cls.split('.') : []), name].join('::');
        const failure = /<(failure|error)\b[^>]*message="([^"]*)"/.exec(body);
        const outcome = failure || /<(failure|error)\b/.test(body)
            ? 'failed'
            : /<skipped\b/.test(body)
                ? 'skipped'
                : 'passed';
        const message = failure ? xmlText(failure[2]).slice(0, 200) : undefined;
        cases.push({ id, outcome, ...(message !== undefined ? { message } : {}) });
    }
    return cases;
}
/** Matches an expected-failure id: exact, or a prefix ending in `::` (a whole class or file). */
function summarise(cases, expected, files) {
    const isExpected = (id) => Object.keys(expected).some((k) => id === k || (k.endsWith('::') && id.startsWith(k)) || id.startsWith(`${k}::`));
    const failed = cases.filter((c) => c.outcome === 'failed');
    return {
        files,
        run: cases.length,
        passed: cases.filter((c) => c.outcome === 'passed').length,
        failed: failed.length,
        skipped: cases.filter((c) => c.outcome === 'skipped').length,
        expected: failed.filter((c) => isExpected(c.id)).length,
        unexpected: failed.filter((c) => !isExpected(c.id)),
    };
}
async function fetchInto(opts, what, routes, dest) {
    const f = await (0,_sources_fetch_js__WEBPACK_IMPORTED_MODULE_4__/* .fetchSource */ .s)(what, routes, { cacheDir: opts.cacheDir, repoRoot: opts.repoRoot });
    await (0,_sources_unpack_js__WEBPACK_IMPORTED_MODULE_5__/* .unpack */ .l1)(f.path, dest);
}
/** One test file's process may run this long before it is counted as failed. */
const FILE_TIMEOUT_MS = 30 * 60_000;
/** The test files (test_*.py) under the targets, sorted; a target that is a file stays as it is. */
async function testFiles(site, targets) {
    const out = [];
    for (const t of targets) {
        const path = t.split('::')[0];
        if (!(await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.stat)((0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(site, path))).isDirectory()) {
            out.push(t);
            continue;
        }
        const found = (await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readdir)((0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(site, path), { recursive: true }))
            .filter((f) => /(^|\/)test_[^/]*\.py$/.test(f))
            .map((f) => `${path}/${f}`);
        out.push(...found.sort());
    }
    return out;
}
/**
 * Runs a module's own test suite inside the wasm runtime: the suite layer's interpreter (every
 * extension built in, the test-only ones too), the modules layer's site-packages plus the
 * suite's tests from the module's sdist and the pinned test requirements, in a scratch copy
 * that is never shipped.
 */
async function runTestSuite(opts, recipe, spec, layers, log, quick = false) {
    const targets = selection(spec, quick, recipe.name);
    const manifest = JSON.parse(await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)((0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(layers.modules, 'modules.json'), 'utf8'));
    const work = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdtemp)((0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)((0,node_os__WEBPACK_IMPORTED_MODULE_1__.tmpdir)(), `faasm-suite-${recipe.name}-`));
    try {
        const site = (0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(work, 'site');
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.cp)((0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(layers.modules, 'site-packages'), site, { recursive: true });
        // A test requirement the runtime already ships (attrs, for hypothesis) is used as shipped.
        const shipped = new Set(manifest.modules.filter((m) => m.status === 'ok').map((m) => m.name.toLowerCase()));
        for (const req of spec.requires) {
            if (shipped.has(req.name.toLowerCase()))
                continue;
            await fetchInto(opts, `${req.name} ${req.version} (test requirement)`, req.sources, site);
        }
        const src = (0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(work, 'src');
        const routes = recipe.sources.filter((s) => s.kind !== 'repo');
        await fetchInto(opts, `${recipe.name} ${recipe.version}`, routes, src);
        for (const p of spec.patches) {
            const file = (0,node_path__WEBPACK_IMPORTED_MODULE_2__.resolve)(opts.repoRoot, p);
            if (!(await (0,_util_fs_js__WEBPACK_IMPORTED_MODULE_8__/* .exists */ .t2)(file)))
                throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .UserError */ .yo(`${_recipe_js__WEBPACK_IMPORTED_MODULE_9__/* .TEST_SUITE_FILE */ .Pp} of ${recipe.name}: its patch ${p} does not exist.`);
            await (0,_util_exec_js__WEBPACK_IMPORTED_MODULE_7__/* .exec */ .m0)('patch', ['-p1', '--forward', '--batch', '-i', file], { cwd: src, log });
        }
        for (const p of [...spec.paths, ...spec.support]) {
            if (!(await (0,_util_fs_js__WEBPACK_IMPORTED_MODULE_8__/* .exists */ .t2)((0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(src, p))))
                throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_6__/* .UserError */ .yo(`${_recipe_js__WEBPACK_IMPORTED_MODULE_9__/* .TEST_SUITE_FILE */ .Pp} of ${recipe.name}: ${p} is not in its sdist.`);
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.cp)((0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(src, p), (0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(site, p), { recursive: true });
        }
        for (const p of Object.keys(spec.exclude))
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)((0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(site, p), { recursive: true, force: true });
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)((0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(work, 'tmp'));
        const guestSite = `/lib/${manifest.python}/site-packages`;
        const preopens = [
            { guest: '/', host: layers.wasm, readOnly: true },
            { guest: guestSite, host: site, readOnly: true },
            { guest: '/tmp', host: (0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(work, 'tmp'), readOnly: false },
        ];
        // WASI has no dup() and the guest no /dev/null: pytest captures output at the sys level,
        // not by file descriptor, and its logging plugin (which opens os.devnull) stays off. A
        // --basetemp of its own per process: without one pytest asks os.getuid(), which WASI lacks.
        const pytest = (batch, junit) => [
            '-m', 'pytest', ...batch.map((p) => `${guestSite}/${p}`), '-p', 'no:cacheprovider',
            '-p', 'no:faulthandler', '-p', 'no:logging', '--capture=sys', '-q', '-rN',
            `--rootdir=${guestSite}`, '-o', 'junit_family=xunit1', `--junitxml=/tmp/${junit}.xml`,
            `--basetemp=/tmp/${junit}`, ...spec.args,
        ]; // prettier-ignore
        const wasm = (0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(layers.suite, _suite_layer_js__WEBPACK_IMPORTED_MODULE_10__/* .SUITE_INTERPRETER */ .I);
        // The whole suite runs one process per test file, so a file that traps or hangs costs its
        // own tests and not the others' counts; the quick selection is one process (startup is
        // most of its time).
        const files = await testFiles(site, targets);
        const batches = quick ? [targets] : files.map((f) => [f]);
        const results = [];
        let next = 0;
        const worker = async () => {
            for (let i = next++; i < batches.length; i = next++) {
                const batch = batches[i];
                const junit = `junit-${i}`;
                const run = await (0,_cpython_python_wasm_js__WEBPACK_IMPORTED_MODULE_3__/* .runPythonWasm */ .k)(wasm, preopens, pytest(batch, junit), {
                    log,
                    timeoutMs: FILE_TIMEOUT_MS,
                });
                const xml = (0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(work, 'tmp', `${junit}.xml`);
                if (await (0,_util_fs_js__WEBPACK_IMPORTED_MODULE_8__/* .exists */ .t2)(xml)) {
                    const cases = parseJunit((await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(xml, 'utf8')).split(`${guestSite}/`).join(''));
                    results[i] = { cases, stdout: run.stdout };
                    continue;
                }
                const why = run.timedOut
                    ? `timed out after ${FILE_TIMEOUT_MS / 60_000} min`
                    : `exit ${run.code}: ${run.stderr.trim().split('\n').slice(-3).join(' ').slice(0, 300)}`;
                const message = `the test process ended without a report (${why})`;
                results[i] = {
                    cases: batch.map((id) => ({ id, outcome: 'failed', message })),
                    stdout: run.stdout,
                };
            }
        };
        await Promise.all(Array.from({ length: Math.min(Math.max(1, opts.jobs), batches.length) }, worker));
        const cases = results.flatMap((r) => r.cases);
        const stdout = results.map((r) => r.stdout).join('');
        const fileCount = new Set(files.map((f) => f.split('::')[0])).size;
        return { cases, summary: summarise(cases, spec.expectedFailures, fileCount), stdout };
    }
    finally {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(work, { recursive: true, force: true });
    }
}
/** docs/<name>-tests.md: the numbers, and every expected failure with its reason. */
function renderSuite(recipe, spec, s) {
    return [
        `# ${recipe.name} ${recipe.version}: its own test suite inside the wasm runtime`,
        '',
        `Generated by \`faasm-python modules test-suite ${recipe.name}\` from \`third-party/modules/${recipe.name}/${_recipe_js__WEBPACK_IMPORTED_MODULE_9__/* .TEST_SUITE_FILE */ .Pp}\`.`,
        '',
        `| test files | run | passed | failed | skipped | expected failures | unexpected failures |`,
        `| --- | --- | --- | --- | --- | --- | --- |`,
        `| ${s.files} | ${s.run} | ${s.passed} | ${s.failed} | ${s.skipped} | ${s.expected} | ${s.unexpected.length} |`,
        '',
        ...(Object.keys(spec.exclude).length
            ? [
                '## Test files left out',
                '',
                ...Object.entries(spec.exclude).map(([k, v]) => `- \`${k}\`: ${v}`),
                '',
            ]
            : []),
        '## Expected failures',
        '',
        ...Object.entries(spec.expectedFailures).map(([k, v]) => `- \`${k}\`: ${v}`),
        '',
        ...(s.unexpected.length
            ? [
                '## Unexpected failures',
                '',
                ...s.unexpected.map((c) => `- \`${c.id}\`: ${c.message ?? ''}`),
                '',
            ]
            : []),
    ].join('\n');
}


/***/ })

};
