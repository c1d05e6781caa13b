import { UserError, errorMessage } from '../util/errors.js';

/** A second-level store: the GitHub Actions cache, used only where it is available. */
export interface RemoteStore {
  readonly label: string;
  restore(cacheKey: string, path: string): Promise<boolean>;
  save(cacheKey: string, path: string): Promise<void>;
}

type CacheModule = typeof import('@actions/cache');

/**
 * Where a job's Actions cache entries come from and go to. Every key carries its scope
 * (`faasm-python-<scope>-...`), so a job that builds third-party code on a schedule or from a
 * pull request saves under a prefix a release never restores. `restore` is read in order, by
 * exact key only; `save` is the one scope this job writes, or none (restore-only).
 */
export interface CacheScope {
  restore: readonly string[];
  save?: string;
}

/** Restore-only from what pushes to main saved: what a job gets unless it says otherwise. */
export const DEFAULT_CACHE_SCOPE: CacheScope = { restore: ['main'] };

const SCOPE_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * The scope from its two settings (an action's `cache-restore` / `cache-save` inputs, or the
 * CLI's FAASM_PYTHON_CACHE_RESTORE / FAASM_PYTHON_CACHE_SAVE): `restore` a comma- or
 * space-separated list of scope names (empty: the default; `none`: restore nothing, for a job
 * that must build cold), `save` one name (empty or `none`: save nothing). `what` names the settings in the error.
 */
export function parseCacheScope(
  restore: string,
  save: string,
  what: { restore: string; save: string },
): CacheScope {
  const restoreNothing = restore.trim() === 'none';
  const names = restoreNothing ? [] : restore.split(/[\s,]+/).filter(Boolean);
  for (const name of names) {
    if (!SCOPE_NAME.test(name)) {
      throw new UserError(
        `${what.restore} names the cache scope '${name}'; a scope is lower-case letters, digits and dashes, starting with a letter.`,
      );
    }
  }
  const saveName = save.trim();
  if (saveName && saveName !== 'none' && !SCOPE_NAME.test(saveName)) {
    throw new UserError(
      `${what.save} is '${saveName}'; give one scope name (lower-case letters, digits and dashes) or none.`,
    );
  }
  return {
    restore: restoreNothing ? [] : names.length ? names : DEFAULT_CACHE_SCOPE.restore,
    ...(saveName && saveName !== 'none' ? { save: saveName } : {}),
  };
}

/** The CLI's scope, from the environment (a workflow's `run:` step sets it there). */
export function cacheScopeFromEnv(env: NodeJS.ProcessEnv = process.env): CacheScope {
  return parseCacheScope(env.FAASM_PYTHON_CACHE_RESTORE ?? '', env.FAASM_PYTHON_CACHE_SAVE ?? '', {
    restore: 'FAASM_PYTHON_CACHE_RESTORE',
    save: 'FAASM_PYTHON_CACHE_SAVE',
  });
}

/** What a store is asked for: `name` (a layer, or `debs`) with content key `key`, unscoped. */
export function actionsCacheKey(name: string, key: string): string {
  return `${name}-${key}`;
}

/** The key in the Actions cache: the entry under its scope. */
export function scopedCacheKey(scope: string, entry: string): string {
  return `faasm-python-${scope}-${entry}`;
}

/**
 * Best effort, like actions/cache itself: an unavailable or failing cache is a warning and the
 * build carries on. `@actions/cache` is loaded only on a runner, to keep the CLI quick to start.
 * The keys it is given are unscoped (`<name>-<key>`); it adds the scope.
 */
export class ActionsCacheStore implements RemoteStore {
  readonly label = 'actions cache';
  private constructor(
    private readonly cache: CacheModule,
    private readonly warn: (message: string) => void,
    readonly scope: CacheScope,
  ) {}

  static async create(
    warn: (m: string) => void,
    scope: CacheScope = cacheScopeFromEnv(),
  ): Promise<ActionsCacheStore | undefined> {
    if (process.env.FAASM_PYTHON_ACTIONS_CACHE === '0') return undefined;
    if (!process.env.ACTIONS_RESULTS_URL && !process.env.ACTIONS_CACHE_URL) return undefined;
    const cache = await import('@actions/cache');
    return cache.isFeatureAvailable() ? new ActionsCacheStore(cache, warn, scope) : undefined;
  }

  /** For tests: a store over any object with @actions/cache's restoreCache and saveCache. */
  static over(
    cache: Pick<CacheModule, 'restoreCache' | 'saveCache'>,
    warn: (m: string) => void,
    scope: CacheScope,
  ): ActionsCacheStore {
    return new ActionsCacheStore(cache as CacheModule, warn, scope);
  }

  /** Exact keys only (no restore-keys): each scope of `restore` in turn. */
  async restore(cacheKey: string, path: string): Promise<boolean> {
    for (const scope of this.scope.restore) {
      const scoped = scopedCacheKey(scope, cacheKey);
      try {
        if ((await this.cache.restoreCache([path], scoped)) === scoped) return true;
      } catch (err) {
        this.warn(`Restoring ${scoped} from the Actions cache failed: ${errorMessage(err)}`);
      }
    }
    return false;
  }

  /** Nothing in a restore-only job. */
  async save(cacheKey: string, path: string): Promise<void> {
    if (!this.scope.save) return;
    const scoped = scopedCacheKey(this.scope.save, cacheKey);
    try {
      await this.cache.saveCache([path], scoped);
    } catch (err) {
      // Another job saving the same key first is the normal race, not a problem.
      if (!/already exists|another job/i.test(errorMessage(err))) {
        this.warn(`Saving ${scoped} to the Actions cache failed: ${errorMessage(err)}`);
      }
    }
  }
}
