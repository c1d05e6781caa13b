import { errorMessage } from '../util/errors.js';

/** A second-level store: the GitHub Actions cache, used only where it is available. */
export interface RemoteStore {
  readonly label: string;
  restore(cacheKey: string, path: string): Promise<boolean>;
  save(cacheKey: string, path: string): Promise<void>;
}

type CacheModule = typeof import('@actions/cache');

/**
 * Best effort, like actions/cache itself: an unavailable or failing cache is a warning and the
 * build carries on. `@actions/cache` is loaded only on a runner, to keep the CLI quick to start.
 */
export class ActionsCacheStore implements RemoteStore {
  readonly label = 'actions cache';
  private constructor(
    private readonly cache: CacheModule,
    private readonly warn: (message: string) => void,
  ) {}

  static async create(warn: (m: string) => void): Promise<ActionsCacheStore | undefined> {
    if (process.env.FAASM_PYTHON_ACTIONS_CACHE === '0') return undefined;
    if (!process.env.ACTIONS_RESULTS_URL && !process.env.ACTIONS_CACHE_URL) return undefined;
    const cache = await import('@actions/cache');
    return cache.isFeatureAvailable() ? new ActionsCacheStore(cache, warn) : undefined;
  }

  async restore(cacheKey: string, path: string): Promise<boolean> {
    try {
      return (await this.cache.restoreCache([path], cacheKey)) === cacheKey;
    } catch (err) {
      this.warn(`Restoring ${cacheKey} from the Actions cache failed: ${errorMessage(err)}`);
      return false;
    }
  }

  async save(cacheKey: string, path: string): Promise<void> {
    try {
      await this.cache.saveCache([path], cacheKey);
    } catch (err) {
      // Another job saving the same key first is the normal race, not a problem.
      if (!/already exists|another job/i.test(errorMessage(err))) {
        this.warn(`Saving ${cacheKey} to the Actions cache failed: ${errorMessage(err)}`);
      }
    }
  }
}

export function actionsCacheKey(name: string, key: string): string {
  return `faasm-python-${name}-${key}`;
}
