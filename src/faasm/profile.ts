/**
 * Faasm's host ABI per VM, as data (third-party/faasm/profile.json, generated from Faasm's
 * source by scripts/faasm-profile.ts), and the one reader of it: the func layer's link check,
 * the local host's import object and the README's table all come from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { UsageError } from '../util/errors.js';
import type { ValType } from '../wasm/binary.js';
import {
  formatType,
  sameType,
  type AbiExport,
  type FuncType,
  type ModuleAbi,
} from '../wasm/module-abi.js';

export const VM_NAMES = ['wavm', 'wamr'] as const;
export type VmName = (typeof VM_NAMES)[number];

export interface HostFunction extends FuncType {
  /** Where Faasm defines it (relative to faasm/faasm at `sources['faasm/faasm'].commit`). */
  file: string;
  line: number;
}

export interface VmProfile {
  title: string;
  file: string;
  note: string;
  /** Exports Faasm calls, in order, to start a call. */
  entry: string[];
  requiredExports: string[];
  optionalExports: string[];
  /** import module -> name -> function. */
  imports: Record<string, Record<string, HostFunction>>;
  /** import modules the VM answers beyond Faasm's tables (WAMR's own libc-wasi). */
  fallback: Record<string, string>;
}

type ExportType =
  | { kind: 'function'; params: ValType[]; results: ValType[] }
  | { kind: 'global'; type: ValType }
  | { kind: 'memory' };

export interface FaasmProfile {
  sources: Record<string, { url: string; commit: string }>;
  exportTypes: Record<string, ExportType>;
  functionExports: { file: string; exports: string[] };
  vms: Record<VmName, VmProfile>;
}

export const PROFILE_PATH = join(REPO_ROOT, 'third-party', 'faasm', 'profile.json');

/**
 * Where the profile is: beside the sources, or, for an action's ncc bundle (which runs from
 * dist/<action>/ of the same checkout, so REPO_ROOT is dist/), one directory further up.
 */
function profileFile(): string {
  const candidates = [PROFILE_PATH, join(REPO_ROOT, '..', 'third-party', 'faasm', 'profile.json')];
  return candidates.find((p) => existsSync(p)) ?? PROFILE_PATH;
}

let cached: FaasmProfile | undefined;

export function faasmProfile(): FaasmProfile {
  cached ??= JSON.parse(readFileSync(profileFile(), 'utf8')) as FaasmProfile;
  return cached;
}

export function vmProfile(vm: VmName): VmProfile {
  return faasmProfile().vms[vm];
}

export function parseVm(value: string | undefined, option = '--vm'): VmName {
  const v = (value ?? 'wavm').toLowerCase();
  if ((VM_NAMES as readonly string[]).includes(v)) return v as VmName;
  throw new UsageError(`${option} takes ${VM_NAMES.join(' or ')}, not '${value}'.`);
}

/** The host function `module.name` on `vm`, if Faasm defines it there. */
export function hostFunction(vm: VmName, module: string, name: string): HostFunction | undefined {
  return vmProfile(vm).imports[module]?.[name];
}

/** Faasm's own `env` calls (`__faasm_*`) on `vm`, by name. */
export function faasmCalls(vm: VmName): Record<string, HostFunction> {
  const env = vmProfile(vm).imports.env ?? {};
  return Object.fromEntries(Object.entries(env).filter(([n]) => n.startsWith('__faasm_')));
}

export const sourceLink = (f: HostFunction): string => {
  const src = faasmProfile().sources['faasm/faasm']!;
  return `faasm/faasm ${f.file}:${f.line} @ ${src.commit.slice(0, 8)}`;
};

/** Exports a Python runtime entrypoint must have to load and start on Faasm's VMs. */
export function entrypointExports(): string[] {
  const p = faasmProfile();
  const names = new Set([
    ...p.vms.wavm.requiredExports,
    ...p.functionExports.exports,
    '_faasm_zygote',
  ]);
  return [...names];
}

/**
 * Linker flags exporting them, as faasm/cpp does. `memory` and `_start` are exported by
 * default and the zygote by its source (export_name), so wasm-ld is not asked for them.
 */
export function faasmExportFlags(): string[] {
  return entrypointExports()
    .filter((e) => !['memory', '_start', '_faasm_zygote'].includes(e))
    .map((e) => `-Wl,--export=${e}`);
}

export interface AbiDifference {
  kind: 'import-missing' | 'import-type' | 'export-missing' | 'export-type';
  name: string;
  /** Refuses to load (WAVM's "Missing import"); otherwise only a call to it fails (WAMR). */
  fatal: boolean;
  message: string;
}

function exportMatches(e: AbiExport, want: ExportType): boolean {
  if (e.kind !== want.kind) return false;
  if (want.kind === 'function') return !!e.type && sameType(e.type, want);
  if (want.kind === 'global') return e.global?.type === want.type;
  return true;
}

function describeExport(want: ExportType): string {
  if (want.kind === 'function') return `a function ${formatType(want)}`;
  if (want.kind === 'global') return `an ${want.type} global`;
  return 'a memory';
}

/**
 * Where a module's imports and exports part from what `vm` defines and binds. `exports` are
 * the exports to hold it to (default: what the VM needs; entrypointExports() for py_func).
 */
export function checkAbi(
  abi: ModuleAbi,
  vm: VmName,
  exports: readonly string[] = vmProfile(vm).requiredExports,
): AbiDifference[] {
  const prof = vmProfile(vm);
  const title = `Faasm's ${prof.title}`;
  const out: AbiDifference[] = [];
  for (const imp of abi.imports) {
    const id = `${imp.module}.${imp.name}`;
    const fn = prof.imports[imp.module]?.[imp.name];
    if (!fn) {
      if (prof.fallback[imp.module]) continue;
      // WAVM refuses the module; WAMR instantiates it and traps when the import is called.
      out.push({
        kind: 'import-missing',
        name: id,
        fatal: vm === 'wavm',
        message: `imports ${id}, which ${title} does not define`,
      });
    } else if (imp.kind !== 'function' || !imp.type || !sameType(imp.type, fn)) {
      out.push({
        kind: 'import-type',
        name: id,
        fatal: true,
        message: `imports ${id} as ${imp.type ? formatType(imp.type) : `a ${imp.kind}`}, but ${title} defines it as ${formatType(fn)} (${sourceLink(fn)})`,
      });
    }
  }
  const types = faasmProfile().exportTypes;
  for (const name of exports) {
    const want = types[name];
    const e = abi.exports.find((x) => x.name === name);
    if (!e) {
      out.push({
        kind: 'export-missing',
        name,
        fatal: prof.requiredExports.includes(name),
        message: `does not export ${name}, which ${title} ${prof.requiredExports.includes(name) ? 'requires' : 'expects'}`,
      });
    } else if (want && !exportMatches(e, want)) {
      out.push({
        kind: 'export-type',
        name,
        fatal: true,
        message: `exports ${name} as a ${e.kind}${e.type ? ` ${formatType(e.type)}` : ''}, but ${title} uses it as ${describeExport(want)}`,
      });
    }
  }
  return out;
}

/** One sentence for the first fatal difference, or undefined when the module loads on `vm`. */
export function linkError(what: string, diffs: AbiDifference[]): string | undefined {
  const fatal = diffs.filter((d) => d.fatal);
  if (!fatal.length) return undefined;
  const more = fatal.length > 1 ? ` (and ${fatal.length - 1} more)` : '';
  return `${what} ${fatal[0]!.message}${more}.`;
}

/** The `env` imports a C source declares with faasm_host.h's FAASM_IMPORT(name). */
export function declaredImports(header: string): string[] {
  return [...header.matchAll(/FAASM_IMPORT\((__faasm_\w+)\)/g)].map((m) => m[1]!);
}

export const TABLE_START =
  '<!-- faasm-profile:start: generated by `node --import tsx scripts/faasm-profile.ts --readme` -->';
export const TABLE_END = '<!-- faasm-profile:end -->';

/**
 * The README's table: for each host call py_func.wasm imports and each export Faasm binds,
 * whether each Faasm VM defines or uses it; then a line per VM saying whether it runs the
 * Python runtime.
 */
export function profileTable(envImports: readonly string[]): string {
  const p = faasmProfile();
  const commit = p.sources['faasm/faasm']!.commit.slice(0, 8);
  const cell = (ok: boolean) => (ok ? 'yes' : '**no**');
  const cells: string[][] = [['py_func.wasm needs', ...VM_NAMES.map((v) => p.vms[v].title)]];
  const lacking: Record<VmName, string[]> = { wavm: [], wamr: [] };
  for (const name of [...envImports].sort()) {
    const has = VM_NAMES.map((v) => !!p.vms[v].imports.env?.[name]);
    VM_NAMES.forEach((v, i) => !has[i] && lacking[v].push(name));
    cells.push([`\`env.${name}\``, ...has.map(cell)]);
  }
  for (const name of entrypointExports()) {
    const uses = VM_NAMES.map(
      (v) => p.vms[v].requiredExports.includes(name) || p.vms[v].optionalExports.includes(name),
    );
    cells.push([`export \`${name}\``, ...uses.map((u) => (u ? 'called/read' : 'not used'))]);
  }
  // Padded as prettier pads a markdown table, so the README stays formatted.
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const rows = [
    line(cells[0]!),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.slice(1).map(line),
  ];
  const verdict = VM_NAMES.map((v) =>
    lacking[v].length
      ? `- **${p.vms[v].title}** cannot run Python functions: it lacks ${lacking[v].length} of the ${envImports.length} host calls (${lacking[v].map((n) => `\`${n}\``).join(', ')}).`
      : `- **${p.vms[v].title}** runs Python functions: every host call py_func.wasm imports is defined there.`,
  );
  return [
    TABLE_START,
    '',
    `From Faasm's source at faasm/faasm@${commit} (third-party/faasm/profile.json).`,
    '',
    ...rows,
    '',
    ...verdict,
    '',
    TABLE_END,
  ].join('\n');
}
