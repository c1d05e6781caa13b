// A regrtest session: which modules, their runs, and the check that every expectation has its note.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import { type Platform, type RegrtestData, expectationFor } from './data.js';
import { WASM_NOTES } from './layers.js';
import { type Totals, classify, formatReport, type ReportRow, totals } from './report.js';
import { type Interpreter, nativeInterpreter, runModules, wasmInterpreter } from './run.js';

/** The stdlib directory of a test layer (both install CPython under lib/python3.X). */
async function stdlibDir(layerDir: string): Promise<string> {
  const lib = join(layerDir, 'lib');
  const name = (await readdir(lib)).find((n) => /^python3\.\d+$/.test(n));
  if (!name) throw new Error(`${lib} holds no python3.X directory`);
  return join(lib, name);
}

/** Every test module of the pinned Lib/test, the way regrtest's findtests lists them. */
export async function allTestModules(testDir: string): Promise<string[]> {
  const names = await readdir(testDir, { withFileTypes: true });
  return names
    .filter((e) => e.name.startsWith('test_') && (e.isDirectory() || e.name.endsWith('.py')))
    .map((e) => e.name.replace(/\.py$/, ''))
    .sort();
}

/** The modules to run: those named, or a selection; every one must exist in Lib/test. */
export function resolveModules(
  data: RegrtestData,
  available: readonly string[],
  named: readonly string[],
  selection: string,
): string[] {
  let modules: string[];
  if (named.length > 0) modules = [...named];
  else if (selection === 'full') modules = [...available];
  else if (data.selections[selection]) modules = [...data.selections[selection]!];
  else {
    const known = ['full', ...Object.keys(data.selections)].join(', ');
    throw new UserError(`There is no regrtest selection '${selection}'; use one of ${known}.`);
  }
  const unknown = modules.filter((m) => !available.includes(m));
  if (unknown.length > 0) {
    throw new UserError(
      `${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a test module of the pinned Lib/test; see ${data.file} or run with --selection full.`,
    );
  }
  return modules;
}

/** Each wasi-limit must quote CPython's own WASI notes of the pinned source. */
export function checkNotes(data: RegrtestData, notes: string): void {
  const flat = notes.replace(/\s+/g, ' ');
  for (const e of data.expected) {
    if (e.note && !e.noteSource && !flat.includes(e.note.replace(/\s+/g, ' '))) {
      throw new UserError(
        `${data.file}: the note of ${e.module} ("${e.note}") is not in the pinned Tools/wasm/README.md; quote it exactly.`,
      );
    }
  }
}

export interface RegrtestRun {
  data: RegrtestData;
  platform: Platform;
  layerDir: string;
  modules: readonly string[];
  selection: string;
  jobs: number;
  timeoutMs: number;
  logDir: string;
  jsonFile?: string;
  /** Where the progress lines go (default stderr) and the table (default stdout). */
  progress?: (line: string) => void;
  out?: (text: string) => void;
}

export async function runRegrtest(r: RegrtestRun): Promise<Totals> {
  const progress = r.progress ?? ((l) => process.stderr.write(`${l}\n`));
  const out = r.out ?? ((t) => process.stdout.write(`${t}\n`));
  const stdlib = await stdlibDir(r.layerDir);
  const modules = resolveModules(
    r.data,
    await allTestModules(join(stdlib, 'test')),
    r.modules,
    r.selection,
  );
  const notes = join(r.layerDir, WASM_NOTES);
  if (r.platform === 'wasm' && (await exists(notes)))
    checkNotes(r.data, await readFile(notes, 'utf8'));

  const interp: Interpreter =
    r.platform === 'wasm'
      ? wasmInterpreter(r.layerDir)
      : nativeInterpreter(join(r.layerDir, 'bin', stdlib.split('/').at(-1)!));
  const skipped = modules.filter((m) => expectationFor(r.data, m, r.platform)?.skip);
  const toRun = modules.filter((m) => !skipped.includes(m));
  let done = 0;
  const runs = await runModules(interp, toRun, {
    logDir: r.logDir,
    timeoutMs: r.timeoutMs,
    jobs: r.jobs,
    rerun: (m) =>
      classify(m.outcome, expectationFor(r.data, m.module, r.platform)).verdict === 'unexpected',
    onDone: (m) => {
      done += 1;
      const c = classify(m.outcome, expectationFor(r.data, m.module, r.platform));
      const again = m.firstTry ? ` (second run; first: ${m.firstTry.status})` : '';
      const mark = (c.verdict === 'unexpected' ? `UNEXPECTED (log: ${m.log})` : c.verdict) + again;
      progress(
        `[${done}/${toRun.length}] ${m.module} ${m.outcome.status} ${(m.ms / 1000).toFixed(1)}s ${mark}`,
      );
    },
  });
  const byModule = new Map(runs.map((m) => [m.module, m]));
  const rows: ReportRow[] = modules.map((module) => {
    const expected = expectationFor(r.data, module, r.platform);
    const m = byModule.get(module);
    if (!m) {
      const detail = `not run: ${expected!.entries.map((e) => e.reason).join('; ')}`;
      return { module, outcome: undefined, verdict: 'expected', detail, ms: 0 };
    }
    const c = classify(m.outcome, expected);
    const first = m.firstTry;
    // A module that needed a second run says so in the table, with what the first run gave.
    const detail = first
      ? `${c.detail} [second run; first: ${first.status}${first.note ? ` (${first.note})` : ''}]`.trim()
      : c.detail;
    return { module, outcome: m.outcome, ...c, detail, ms: m.ms };
  });
  out(formatReport(rows, r.platform));
  const t = totals(rows);
  if (r.jsonFile) {
    const json = {
      platform: r.platform,
      selection: r.modules.length ? 'named' : r.selection,
      totals: t,
      modules: rows,
    };
    await writeFile(r.jsonFile, `${JSON.stringify(json, null, 2)}\n`);
  }
  return t;
}
