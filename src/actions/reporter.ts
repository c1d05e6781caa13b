// The layer reporter for actions: a log group per layer, every result kept for the job summary.
import * as core from '@actions/core';
import { shortKey } from '../layers/key.js';
import { formatLayerLine } from '../layers/reporter.js';
import type { LayerResult, Reporter } from '../layers/types.js';
import type { LayerRow } from './summary.js';

/**
 * The layer reporter for actions: one collapsible log group per layer, and every result kept for
 * the job summary. A layer that throws leaves its row as 'failed' (see `rows`).
 */
export class ActionReporter implements Reporter {
  readonly results: LayerResult[] = [];
  /** The layer started but not done: the one that failed, when the build throws. */
  private current: { name: string; key: string; started: number } | undefined;
  private groupOpen = false;

  start(name: string, key: string): void {
    this.close();
    this.current = { name, key, started: Date.now() };
    core.startGroup(`${name} ${shortKey(key)}`);
    this.groupOpen = true;
  }

  done(result: LayerResult): void {
    core.info(formatLayerLine(result));
    this.results.push(result);
    this.current = undefined;
    this.close();
  }

  info(message: string): void {
    core.info(message);
  }

  warn(message: string): void {
    core.warning(message);
  }

  /** Ends the open group, if any (also after a failure, so the error shows outside it). */
  close(): void {
    if (this.groupOpen) core.endGroup();
    this.groupOpen = false;
  }

  /** Finished layers, then the one that was running when the build stopped. */
  rows(): LayerRow[] {
    const rows: LayerRow[] = [...this.results];
    if (this.current) {
      const { name, key, started } = this.current;
      rows.push({ name, key, status: 'failed', ms: Date.now() - started });
    }
    return rows;
  }
}
