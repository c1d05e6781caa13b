// The job summary: Markdown tables of layers, functions and key-value facts, safe for any content.
import * as core from '@actions/core';
import { shortKey } from '../layers/key.js';
import type { LayerResult } from '../layers/types.js';
import { formatBytes, formatSeconds } from '../util/fs.js';

/** A table cell: pipes escaped and line breaks flattened, so a message cannot break the table. */
export function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').trim();
}

/** Inline code that survives any content (backticks inside are replaced, not escaped). */
export function code(text: string): string {
  return `\`${cell(text).replace(/`/g, "'")}\``;
}

export type Align = 'left' | 'right';

export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const rule = headers.map((_, i) => (align[i] === 'right' ? '--:' : ':--'));
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(rule), ...rows.map(line)].join('\n');
}

/** A layer row: a finished result, or the layer that was running when the build failed. */
export type LayerRow = LayerResult | { name: string; key: string; status: 'failed'; ms: number };

const STATUS: Record<LayerRow['status'], string> = {
  cached: 'cache hit',
  restored: 'restored from the Actions cache',
  built: '**built**',
  failed: '**failed**',
};

/** Per layer: whether the cache had it or it was built, how long that took, its size and key. */
export function layerTable(rows: readonly LayerRow[]): string {
  return markdownTable(
    ['Layer', 'Result', 'Time', 'Size', 'Key'],
    rows.map((r) => [
      cell(r.name),
      STATUS[r.status],
      formatSeconds(r.ms),
      'size' in r ? formatBytes(r.size) : '–',
      code(shortKey(r.key)),
    ]),
    ['left', 'left', 'right', 'right', 'left'],
  );
}

/** One sentence under the layer table: counts and total time. */
export function layerTotals(rows: readonly LayerRow[], ms: number): string {
  const built = rows.filter((r) => r.status === 'built').length;
  const failed = rows.some((r) => r.status === 'failed');
  const fromCache = rows.filter((r) => r.status === 'cached' || r.status === 'restored').length;
  const parts = [`${built} built`, `${fromCache} from cache`, ...(failed ? ['1 failed'] : [])];
  const noun = rows.length === 1 ? 'layer' : 'layers';
  return `${rows.length} ${noun}: ${parts.join(', ')}, in ${formatSeconds(ms)}.`;
}

/**
 * A build step's section: its table under a heading, then the totals. When everything came from
 * the cache the table is folded away, so a warm job's summary is one line per step.
 */
export function layerSection(
  title: string,
  rows: readonly LayerRow[],
  ms: number,
  cacheDir: string,
) {
  const totals = `${layerTotals(rows, ms)} Cache: ${code(cacheDir)}`;
  const warm = rows.every((r) => r.status === 'cached' || r.status === 'restored');
  if (warm && rows.length > 0) {
    return `### ${title}\n\n<details><summary>${totals}</summary>\n\n${layerTable(rows)}\n\n</details>\n`;
  }
  return `### ${title}\n\n${layerTable(rows)}\n\n${totals}\n`;
}

export interface FunctionRow {
  /** `user/func` */
  name: string;
  passed: boolean;
  returnCode: number;
  ms: number;
  /** The function's output (or why it failed), shortened for the table. */
  detail: string;
}

export function shorten(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Per function: passed or failed, its return code, latency and what it said. */
export function functionTable(rows: readonly FunctionRow[]): string {
  return markdownTable(
    ['Function', 'Result', 'Return code', 'Latency', 'Output'],
    rows.map((r) => [
      code(r.name),
      r.passed ? '✅ passed' : '❌ **failed**',
      String(r.returnCode),
      `${Math.round(r.ms)} ms`,
      r.detail ? code(shorten(r.detail)) : '',
    ]),
    ['left', 'left', 'right', 'right', 'left'],
  );
}

/** A two-column table of named values (outputs, versions, tags). */
export function keyValueTable(
  pairs: readonly (readonly [string, string])[],
  headers: readonly [string, string] = ['Name', 'Value'],
): string {
  return markdownTable(
    headers,
    pairs.map(([k, v]) => [cell(k), v]),
  );
}

/**
 * Appends markdown to the job summary. Outside a runner (no GITHUB_STEP_SUMMARY) there is nowhere
 * to write it, so it goes to the log instead.
 */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info(markdown);
    return;
  }
  // A blank line after each section, so the next heading never runs into a table.
  await core.summary.addRaw(`${markdown.trimEnd()}\n\n`).write();
}
