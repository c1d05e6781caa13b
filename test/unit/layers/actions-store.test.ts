import { describe, expect, test } from '@jest/globals';
import {
  ActionsCacheStore,
  cacheScopeFromEnv,
  parseCacheScope,
} from '../../../src/layers/actions-store.js';
import { UserError } from '../../../src/util/errors.js';

/** An Actions cache in memory: restoreCache by exact key (restore-keys would be a third argument). */
function fakeCache(entries: string[] = []) {
  const keys = new Set(entries);
  const calls: string[] = [];
  return {
    calls,
    keys,
    cache: {
      async restoreCache(_paths: string[], key: string, restoreKeys?: string[]) {
        calls.push(`restore ${key}${restoreKeys?.length ? ` +${restoreKeys.join(',')}` : ''}`);
        return keys.has(key) ? key : undefined;
      },
      async saveCache(_paths: string[], key: string) {
        calls.push(`save ${key}`);
        keys.add(key);
        return 1;
      },
    },
  };
}

const warn = () => {};

describe('Actions cache scopes', () => {
  test('restores by exact key from each scope in order, and saves only under its own', async () => {
    const fake = fakeCache(['faasm-python-main-wasm-k1']);
    const store = ActionsCacheStore.over(fake.cache as never, warn, {
      restore: ['pr', 'main'],
      save: 'pr',
    });
    expect(await store.restore('wasm-k1', '/x')).toBe(true);
    expect(await store.restore('modules-k2', '/x')).toBe(false);
    await store.save('modules-k2', '/x');
    expect(fake.calls).toEqual([
      'restore faasm-python-pr-wasm-k1',
      'restore faasm-python-main-wasm-k1',
      'restore faasm-python-pr-modules-k2',
      'restore faasm-python-main-modules-k2',
      'save faasm-python-pr-modules-k2',
    ]);
  });

  test('what a restore-only job (a schedule, a release) builds is never saved', async () => {
    const fake = fakeCache();
    const store = ActionsCacheStore.over(fake.cache as never, warn, { restore: ['main'] });
    await store.save('modules-k2', '/x');
    expect(fake.calls).toEqual([]);
  });

  test('an entry saved under pr (or any other scope) is not restored by a job reading main', async () => {
    const fake = fakeCache(['faasm-python-pr-modules-k2', 'faasm-python-compat-modules-k2']);
    const store = ActionsCacheStore.over(fake.cache as never, warn, { restore: ['main'] });
    expect(await store.restore('modules-k2', '/x')).toBe(false);
  });

  test('settings: lists, none, defaults, and a bad name is one sentence naming the setting', () => {
    const what = { restore: 'R', save: 'S' };
    expect(parseCacheScope('pr, main', 'pr', what)).toEqual({
      restore: ['pr', 'main'],
      save: 'pr',
    });
    expect(parseCacheScope('', 'none', what)).toEqual({ restore: ['main'] });
    expect(parseCacheScope('none', 'none', what)).toEqual({ restore: [] });
    expect(cacheScopeFromEnv({})).toEqual({ restore: ['main'] });
    expect(
      cacheScopeFromEnv({ FAASM_PYTHON_CACHE_RESTORE: 'main', FAASM_PYTHON_CACHE_SAVE: 'main' }),
    ).toEqual({ restore: ['main'], save: 'main' });
    expect(() => parseCacheScope('Main', '', what)).toThrow(UserError);
    expect(() => parseCacheScope('', 'a b', what)).toThrow(/^S is 'a b'; give one scope name/);
  });
});
