// Compiler diagnostics found in a failed step's log, as GitHub annotations on the file and line.
import { isAbsolute, relative, resolve } from 'node:path';

export interface Diagnostic {
  /** As the tool printed it; undefined for a linker error, which names no source line. */
  file?: string;
  line?: number;
  col?: number;
  severity: 'error' | 'warning';
  message: string;
}

// ESC [ ... m: clang colours its diagnostics when it thinks it writes to a terminal.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

// clang / gcc: `path:line:col: error: message` (the column is optional for gcc and cpp).
const SOURCE =
  /^(?<file>[^\s:][^:]*):(?<line>\d+):(?:(?<col>\d+):)?\s+(?<sev>fatal error|error|warning):\s+(?<msg>.+)$/;
// wasm-ld / lld / clang driver errors carry no line: `wasm-ld: error: x.o: undefined symbol: f`.
const TOOL =
  /^(?:wasm-ld|ld\.lld|lld|clang|clang-\d+|wasm-ld-\d+):\s+(?<sev>error|warning):\s+(?<msg>.+)$/;

/**
 * Compiler and linker diagnostics in a build log's lines, in order, without repeats (make runs
 * the same failing compile only once, but clang repeats a header error for every includer).
 */
export function parseDiagnostics(lines: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const raw of lines) {
    const line = raw.replace(ANSI, '').trimEnd();
    let d: Diagnostic | undefined;
    const src = SOURCE.exec(line)?.groups;
    if (src) {
      d = {
        file: src.file,
        line: Number(src.line),
        ...(src.col ? { col: Number(src.col) } : {}),
        severity: src.sev === 'warning' ? 'warning' : 'error',
        message: src.msg!,
      };
    } else {
      const tool = TOOL.exec(line)?.groups;
      if (tool) d = { severity: tool.sev === 'warning' ? 'warning' : 'error', message: tool.msg! };
    }
    if (!d) continue;
    const id = `${d.file}:${d.line}:${d.col}:${d.severity}:${d.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(d);
  }
  return out;
}

/**
 * The path an annotation should carry: relative to the repository when the file is in it (so
 * GitHub shows it on the diff), else as printed (a file in an unpacked source tarball).
 */
export function annotationPath(file: string, repoRoot: string, cwd = repoRoot): string {
  const rel = relative(repoRoot, resolve(cwd, file));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
