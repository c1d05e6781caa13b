/**
 * The life cycle of a host's zygote snapshot, as a small state machine. Faasm runs
 * `_faasm_zygote` once and starts every later call from the memory it leaves; here one call at
 * a time is given the job of taking that memory:
 *
 *   off                                 snapshots are off (or the VM runs no zygote)
 *   none    --claim(call)-->  taking    that call runs the zygote and sends its memory back
 *   taking  --taken(call)-->  held      later calls start from it (saved too, when stored)
 *   taking  --ended(call)-->  none      it ended without one (a trap, a timeout, a dead
 *                                       worker): the next call tries again
 *   held                                for the host's life (loaded from disk, or taken)
 *
 * Any other transition is a bug in the host and throws.
 */
import type { StoredSnapshot } from './snapshot-store.js';

export type SnapshotState = 'off' | 'none' | 'taking' | 'held';

const ALLOWED: Readonly<Record<SnapshotState, readonly SnapshotState[]>> = {
  off: [],
  none: ['taking'],
  taking: ['held', 'none'],
  held: [],
};

export class ZygoteSnapshot {
  private current: SnapshotState;
  /** The call taking the snapshot (state `taking`). */
  private taker: number | undefined;
  private held: SharedArrayBuffer | undefined;
  /** Saves to the store still under way (settled() waits for them). */
  private saving = new Set<Promise<void>>();

  constructor(
    enabled: boolean,
    /** A snapshot found on disk, and how to save one taken here. */
    private readonly stored: StoredSnapshot = {},
  ) {
    this.held = enabled ? stored.memory : undefined;
    this.current = !enabled ? 'off' : this.held ? 'held' : 'none';
  }

  get state(): SnapshotState {
    return this.current;
  }

  /** The memory calls start from, once there is one. */
  get memory(): SharedArrayBuffer | undefined {
    return this.held;
  }

  /** Whether call `id` is to take the snapshot: true the first time it is wanted and none is being taken. */
  claim(id: number): boolean {
    if (this.current !== 'none') return false;
    this.move('taking');
    this.taker = id;
    return true;
  }

  /** Call `id` sent the memory its zygote left. */
  taken(id: number, memory: SharedArrayBuffer): void {
    if (this.current === 'taking' && this.taker !== id) {
      throw new Error(`call ${id} sent a snapshot that call ${this.taker} is taking`);
    }
    this.move('held');
    this.taker = undefined;
    this.held = memory;
    const p = this.stored.save?.(memory);
    if (p) {
      const tracked: Promise<void> = p.finally(() => this.saving.delete(tracked));
      this.saving.add(tracked);
    }
  }

  /** Call `id` ended, however it ended: if it was taking the snapshot and sent none, the next call takes it. */
  ended(id: number): void {
    if (this.current === 'taking' && this.taker === id) {
      this.move('none');
      this.taker = undefined;
    }
  }

  /** Resolves when every save to the store has finished. */
  async settled(): Promise<void> {
    await Promise.all(this.saving);
  }

  private move(to: SnapshotState): void {
    if (!ALLOWED[this.current].includes(to)) {
      throw new Error(`the zygote snapshot cannot go from ${this.current} to ${to}`);
    }
    this.current = to;
  }
}
