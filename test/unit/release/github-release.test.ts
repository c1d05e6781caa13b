import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import nock from 'nock';
import { makeBundle, type BundleFile } from '../../../src/release/bundle.js';
import { publishRelease, type PublishOptions } from '../../../src/release/github-release.js';
import {
  createOctokit,
  githubTimeoutMs,
  resolveGitHubTarget,
} from '../../../src/release/github-target.js';
import { UserError } from '../../../src/util/errors.js';
import { sha256 } from '../../../src/util/hash.js';
import { writeTree, tempDir, removeTempDirs } from './helpers.js';

const API = 'https://api.github.com';
const UPLOADS = 'https://uploads.github.com';
const WASM = Buffer.from('\0asm\x01\0\0\0 entrypoint');
const SUMS = Buffer.from('abc  py_func.wasm\n');

let dir: string;
let files: BundleFile[];

beforeAll(async () => {
  nock.disableNetConnect();
  dir = await tempDir('faasm-gh-');
  await writeFile(join(dir, 'py_func.wasm'), WASM);
  await writeFile(join(dir, 'SHA256SUMS'), SUMS);
  files = [
    {
      name: 'py_func.wasm',
      path: join(dir, 'py_func.wasm'),
      size: WASM.length,
      sha256: sha256(WASM),
    },
    { name: 'SHA256SUMS', path: join(dir, 'SHA256SUMS'), size: SUMS.length, sha256: sha256(SUMS) },
  ];
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  // Every request a test set up must have been made.
  expect(pending).toEqual([]);
});

afterAll(() => {
  nock.enableNetConnect();
});

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function options(over: Partial<PublishOptions> = {}): PublishOptions & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    // No retries or throttling plugins: each mocked answer is used exactly once.
    octokit: new Octokit({ auth: 'test-token', baseUrl: API, log: quiet }),
    owner: 'faasm',
    repo: 'python',
    tag: 'v0.1.0',
    version: '0.1.0',
    notes: 'Changes since v0.0.9:\n\n- Add numpy (abc1234)\n',
    files,
    warn: (m) => warnings.push(m),
    info: () => undefined,
    warnings,
    ...over,
  };
}

function release(over: Record<string, unknown> = {}) {
  return {
    id: 7,
    tag_name: 'v0.1.0',
    name: 'faasm-python 0.1.0',
    body: 'Changes since v0.0.9:\n\n- Add numpy (abc1234)\n',
    prerelease: false,
    draft: false,
    html_url: 'https://github.com/faasm/python/releases/tag/v0.1.0',
    upload_url: `${UPLOADS}/repos/faasm/python/releases/7/assets{?name,label}`,
    ...over,
  };
}

function asset(id: number, file: BundleFile, over: Record<string, unknown> = {}) {
  return {
    id,
    name: file.name,
    size: file.size,
    state: 'uploaded',
    digest: `sha256:${file.sha256}`,
    ...over,
  };
}

/** Every request the mocked GitHub answered, in order: `METHOD path`. */
let calls: string[] = [];
beforeEach(() => {
  calls = [];
});

/** A nock scope that records each request it answers. */
function gh(base = API) {
  // nock 15 passes the fetch Request.
  return nock(base).on('request', (req: Request) => {
    const url = new URL(req.url);
    // Octokit's upload URL template leaves a trailing '&'.
    const search = url.search.replace(/&$/, '');
    calls.push(`${req.method} ${decodeURIComponent(url.pathname + search)}`);
  });
}

const tagExists = (tag = 'v0.1.0') =>
  gh()
    .get(`/repos/faasm/python/git/ref/tags%2F${tag}`)
    .reply(200, { ref: `refs/tags/${tag}` });

/** No published release for the tag, and `drafts` among the releases listed. */
function noPublished(drafts: unknown[] = [], tag = 'v0.1.0') {
  gh().get(`/repos/faasm/python/releases/tags/${tag}`).reply(404, { message: 'Not Found' });
  gh().get('/repos/faasm/python/releases').query(true).reply(200, drafts);
}

/** Expects one upload of `file`, recording the bytes sent. */
function expectUpload(file: BundleFile, sent: Record<string, Buffer>) {
  return (
    gh(UPLOADS)
      .post('/repos/faasm/python/releases/7/assets')
      .query({ name: file.name })
      .matchHeader('content-type', 'application/octet-stream')
      // nock 15 hands a reply function the fetch Request itself.
      .reply(201, async (req: Request) => {
        sent[file.name] = Buffer.from(await req.arrayBuffer());
        return { id: 100, name: file.name };
      })
  );
}

/** Expects the final PATCH that publishes the draft. */
function expectPublish(bodies: Record<string, unknown>[], over: Record<string, unknown> = {}) {
  expectPatch(bodies, over);
}

/** Expects one PATCH of release 7 (interceptors answer in the order they were set up). */
function expectPatch(bodies: Record<string, unknown>[], over: Record<string, unknown> = {}) {
  gh()
    .patch('/repos/faasm/python/releases/7')
    .reply(200, async (req: Request) => {
      bodies.push((await req.json()) as Record<string, unknown>);
      return release(over);
    });
}

afterAll(removeTempDirs);

describe('publishRelease', () => {
  test('no release: a draft is created, every asset uploaded, and only then published', async () => {
    tagExists();
    noPublished();
    let created: Record<string, unknown> = {};
    gh()
      .post('/repos/faasm/python/releases', (body: Record<string, unknown>) => {
        created = body;
        return true;
      })
      .reply(201, release({ draft: true }));
    gh().get('/repos/faasm/python/releases/7/assets').query(true).reply(200, []);
    const sent: Record<string, Buffer> = {};
    for (const f of files) expectUpload(f, sent);
    const published: Record<string, unknown>[] = [];
    expectPublish(published);

    const result = await publishRelease(options());
    expect(created).toEqual({
      tag_name: 'v0.1.0',
      name: 'faasm-python 0.1.0',
      body: 'Changes since v0.0.9:\n\n- Add numpy (abc1234)\n',
      prerelease: false,
      draft: true,
    });
    // The order immutable releases need: draft, every upload, then publish.
    expect(calls).toEqual([
      'GET /repos/faasm/python/git/ref/tags/v0.1.0',
      'GET /repos/faasm/python/releases/tags/v0.1.0',
      'GET /repos/faasm/python/releases?per_page=100',
      'POST /repos/faasm/python/releases',
      'GET /repos/faasm/python/releases/7/assets?per_page=100',
      'POST /repos/faasm/python/releases/7/assets?name=py_func.wasm',
      'POST /repos/faasm/python/releases/7/assets?name=SHA256SUMS',
      'PATCH /repos/faasm/python/releases/7',
    ]);
    expect(published).toEqual([{ draft: false, make_latest: 'legacy' }]);
    expect(result).toMatchObject({
      action: 'created',
      uploaded: ['py_func.wasm', 'SHA256SUMS'],
      skipped: [],
      differing: [],
    });
    expect(sent['py_func.wasm']?.equals(WASM)).toBe(true);
    expect(sent['SHA256SUMS']?.equals(SUMS)).toBe(true);
  });

  test('a re-run finds the draft an interrupted run left: its notes updated, the missing asset uploaded, then published', async () => {
    tagExists();
    noPublished([
      release({ id: 6, draft: true, tag_name: 'v0.0.9' }),
      release({ draft: true, body: 'old notes' }),
    ]);
    const patched: Record<string, unknown>[] = [];
    expectPatch(patched, { draft: true });
    gh()
      .get('/repos/faasm/python/releases/7/assets')
      .query(true)
      .reply(200, [asset(1, files[0]!)]);
    const sent: Record<string, Buffer> = {};
    expectUpload(files[1]!, sent);
    expectPublish(patched);

    const result = await publishRelease(options());
    expect(patched[0]).toEqual({
      name: 'faasm-python 0.1.0',
      body: options().notes,
      prerelease: false,
    });
    expect(calls.slice(-4)).toEqual([
      'GET /repos/faasm/python/releases/7/assets?per_page=100',
      'PATCH /repos/faasm/python/releases/7',
      'POST /repos/faasm/python/releases/7/assets?name=SHA256SUMS',
      'PATCH /repos/faasm/python/releases/7',
    ]);
    expect(result).toMatchObject({
      action: 'updated',
      uploaded: ['SHA256SUMS'],
      replaced: [],
      skipped: ['py_func.wasm'],
    });
  });

  test('a release published earlier with the same assets: nothing is written', async () => {
    tagExists();
    gh().get('/repos/faasm/python/releases/tags/v0.1.0').reply(200, release());
    gh()
      .get('/repos/faasm/python/releases/7/assets')
      .query(true)
      .reply(200, [asset(1, files[0]!), asset(2, files[1]!)]);
    const opts = options();
    const result = await publishRelease(opts);
    expect(result).toMatchObject({
      action: 'unchanged',
      uploaded: [],
      skipped: ['py_func.wasm', 'SHA256SUMS'],
      differing: [],
    });
    expect(opts.warnings).toEqual([]);
    expect(calls.every((c) => c.startsWith('GET '))).toBe(true);
  });

  test('a release published earlier with other or missing assets: a warning each, nothing written', async () => {
    tagExists();
    gh()
      .get('/repos/faasm/python/releases/tags/v0.1.0')
      .reply(200, release({ body: 'other notes' }));
    gh()
      .get('/repos/faasm/python/releases/7/assets')
      .query(true)
      .reply(200, [asset(1, files[0]!, { digest: `sha256:${'0'.repeat(64)}` })]);
    const opts = options();
    const result = await publishRelease(opts);
    expect(result).toMatchObject({
      action: 'unchanged',
      uploaded: [],
      differing: ['py_func.wasm', 'SHA256SUMS'],
    });
    expect(opts.warnings).toEqual([
      'the release v0.1.0 was published earlier with another py_func.wasm; a published release keeps its assets, so release a new version to change it',
      'the release v0.1.0 was published earlier without SHA256SUMS; a published release keeps its assets, so release a new version to change it',
    ]);
    expect(calls.every((c) => c.startsWith('GET '))).toBe(true);
  });

  test('422 already_exists on create is a warning, then the racing draft is filled and published', async () => {
    tagExists();
    noPublished();
    gh()
      .post('/repos/faasm/python/releases')
      .reply(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }],
      });
    noPublished([release({ draft: true, body: 'written by a racing job', prerelease: true })]);
    const published: Record<string, unknown>[] = [];
    expectPatch(published, { draft: true });
    gh()
      .get('/repos/faasm/python/releases/7/assets')
      .query(true)
      .reply(200, [asset(1, files[0]!), asset(2, files[1]!)]);
    expectPublish(published);

    const opts = options();
    const result = await publishRelease(opts);
    expect(result.action).toBe('updated');
    expect(published).toEqual([
      { name: 'faasm-python 0.1.0', body: opts.notes, prerelease: false },
      { draft: false, make_latest: 'legacy' },
    ]);
    expect(opts.warnings).toEqual([
      'the release v0.1.0 was created by someone else meanwhile; using theirs',
    ]);
  });

  test('another 422 is not swallowed', async () => {
    tagExists();
    noPublished();
    gh()
      .post('/repos/faasm/python/releases')
      .reply(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'Release', code: 'invalid', field: 'name' }],
      });
    await expect(publishRelease(options())).rejects.toMatchObject({ status: 422 });
  });

  test('on a draft, a changed asset is deleted and uploaded again; an unfinished one too', async () => {
    tagExists();
    noPublished([release({ draft: true })]);
    gh()
      .get('/repos/faasm/python/releases/7/assets')
      .query(true)
      .reply(200, [
        asset(1, files[0]!, { digest: `sha256:${'0'.repeat(64)}` }),
        asset(2, files[1]!, { state: 'open' }),
        { id: 3, name: 'unrelated.txt', size: 1, state: 'uploaded', digest: null },
      ]);
    gh().delete('/repos/faasm/python/releases/assets/1').reply(204);
    const sent: Record<string, Buffer> = {};
    expectUpload(files[0]!, sent);
    gh().delete('/repos/faasm/python/releases/assets/2').reply(204);
    expectUpload(files[1]!, sent);
    expectPublish([]);

    const result = await publishRelease(options());
    expect(result).toMatchObject({
      action: 'updated',
      replaced: ['py_func.wasm', 'SHA256SUMS'],
      uploaded: ['py_func.wasm', 'SHA256SUMS'],
      skipped: [],
    });
    expect(sent['py_func.wasm']?.equals(WASM)).toBe(true);
    expect(calls.at(-1)).toBe('PATCH /repos/faasm/python/releases/7');
  });

  test('without a digest, an asset of the same size is downloaded and compared', async () => {
    tagExists();
    noPublished([release({ draft: true })]);
    gh()
      .get('/repos/faasm/python/releases/7/assets')
      .query(true)
      .reply(200, [asset(1, files[0]!, { digest: null }), asset(2, files[1]!, { digest: null })]);
    gh()
      .get('/repos/faasm/python/releases/assets/1')
      .matchHeader('accept', 'application/octet-stream')
      .reply(200, WASM, { 'content-type': 'application/octet-stream' });
    const other = Buffer.alloc(SUMS.length, 'x');
    gh()
      .get('/repos/faasm/python/releases/assets/2')
      .reply(200, other, { 'content-type': 'application/octet-stream' });
    gh().delete('/repos/faasm/python/releases/assets/2').reply(204);
    const sent: Record<string, Buffer> = {};
    expectUpload(files[1]!, sent);
    expectPublish([]);

    const result = await publishRelease(options());
    expect(result).toMatchObject({ skipped: ['py_func.wasm'], replaced: ['SHA256SUMS'] });
  });

  test('a pre-release version is a prerelease and never made latest', async () => {
    tagExists('v0.2.0-rc.1');
    noPublished([], 'v0.2.0-rc.1');
    let created: Record<string, unknown> = {};
    gh()
      .post('/repos/faasm/python/releases', (body: Record<string, unknown>) => {
        created = body;
        return true;
      })
      .reply(201, release({ tag_name: 'v0.2.0-rc.1', prerelease: true, draft: true }));
    gh().get('/repos/faasm/python/releases/7/assets').query(true).reply(200, []);
    const published: Record<string, unknown>[] = [];
    expectPublish(published);
    const result = await publishRelease(
      options({ tag: 'v0.2.0-rc.1', version: '0.2.0-rc.1', files: [] }),
    );
    expect(created).toMatchObject({
      tag_name: 'v0.2.0-rc.1',
      name: 'faasm-python 0.2.0-rc.1',
      prerelease: true,
      draft: true,
    });
    expect(published).toEqual([{ draft: false, make_latest: 'false' }]);
    expect(result.prerelease).toBe(true);
  });

  test('a failed upload leaves the draft unpublished, and says how to resume', async () => {
    tagExists();
    noPublished([release({ draft: true })]);
    gh().get('/repos/faasm/python/releases/7/assets').query(true).reply(200, []);
    gh(UPLOADS)
      .post('/repos/faasm/python/releases/7/assets')
      .query(true)
      .reply(403, { message: 'Resource not accessible by integration' });
    const err = await publishRelease(options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/uploading py_func\.wasm .*\(run again to resume\)/);
    expect(calls.some((c) => c.startsWith('PATCH'))).toBe(false);
  });

  test('a tag that is not on GitHub is refused before any release is made', async () => {
    gh().get('/repos/faasm/python/git/ref/tags%2Fv0.1.0').reply(404, { message: 'Not Found' });
    const err = await publishRelease(options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      "The tag v0.1.0 is not on GitHub (faasm/python); push it with 'faasm-python tag --push' first.",
    );
  });

  test('an unreachable GitHub is one sentence', async () => {
    gh()
      .get('/repos/faasm/python/git/ref/tags%2Fv0.1.0')
      .replyWithError('connect ECONNREFUSED 140.82.112.6:443');
    const err = await publishRelease(options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^Cannot reach GitHub while looking up the tag v0\.1\.0 \(.*ECONNREFUSED/,
    );
  });

  test('a rejected token is one sentence', async () => {
    gh()
      .get('/repos/faasm/python/git/ref/tags%2Fv0.1.0')
      .reply(401, { message: 'Bad credentials' });
    await expect(publishRelease(options())).rejects.toThrow(/GitHub rejected the token/);
  });

  test('a tag that does not match the version, or a bad bundle, is refused with no request', async () => {
    await expect(publishRelease(options({ tag: 'v0.2.0' }))).rejects.toThrow(
      /does not match the version 0\.1\.0/,
    );
    const root = await tempDir('faasm-gh-bundle-');
    await writeTree(root, {
      'rr/lib/os.py': '',
      'inc/Python.h': '',
      'lib/libpython3.11.a': '',
      'py_func.wasm': 'x',
      'pyfaasm-0.1.0.tar.gz': 's',
      'pyfaasm-0.1.0-py3-none-any.whl': 'w',
    });
    const out = join(root, 'bundle');
    await makeBundle({
      runtimeRoot: join(root, 'rr'),
      includeDir: join(root, 'inc'),
      libDir: join(root, 'lib'),
      pyFuncWasm: join(root, 'py_func.wasm'),
      outDir: out,
      manifest: { version: '0.1.0' },
      sbom: {},
      pyfaasmDists: ['pyfaasm-0.1.0.tar.gz', 'pyfaasm-0.1.0-py3-none-any.whl'].map((n) =>
        join(root, n),
      ),
    });
    await writeFile(join(out, 'py_func.wasm'), 'changed after bundling');
    await expect(publishRelease(options({ files: undefined, bundleDir: out }))).rejects.toThrow(
      /does not match its SHA256SUMS/,
    );
  });
});

describe('resolveGitHubTarget', () => {
  test('flags win over the environment', () => {
    expect(
      resolveGitHubTarget(
        { token: 't', repo: 'a/b' },
        { GITHUB_TOKEN: 'x', GITHUB_REPOSITORY: 'c/d' },
      ),
    ).toEqual({ token: 't', owner: 'a', repo: 'b', url: 'https://github.com/a/b' });
    expect(resolveGitHubTarget({}, { GITHUB_TOKEN: 'x', GITHUB_REPOSITORY: 'c/d' })).toMatchObject({
      token: 'x',
      owner: 'c',
    });
  });
  test('a missing token or repository is one sentence', () => {
    expect(() => resolveGitHubTarget({ repo: 'a/b' }, {})).toThrow(
      'No GitHub token: set GITHUB_TOKEN or pass --token-file FILE.',
    );
    expect(() => resolveGitHubTarget({ token: 't' }, {})).toThrow(/No GitHub repository/);
    expect(() => resolveGitHubTarget({ token: 't', repo: 'nope' }, {})).toThrow(
      /not of the form owner\/name/,
    );
  });
});

describe('createOctokit', () => {
  test('a GitHub that never answers fails the release with one sentence naming the timeout', async () => {
    // The reply comes long after the deadline: the request is abandoned at 0.2 s.
    gh().get('/repos/faasm/python/git/ref/tags%2Fv0.1.0').delay(30_000).reply(200, {});
    gh().get('/repos/faasm/python/releases/tags/v0.1.0').delay(30_000).reply(200, {});
    const octokit = createOctokit('test-token', { FAASM_PYTHON_GITHUB_TIMEOUT: '0.2' });
    const started = Date.now();
    const err = await publishRelease(options({ octokit })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^GitHub \(api\.github\.com\) did not answer GET \/repos\/faasm\/python\/\S+ within 0\.2 s; try again, or allow longer with FAASM_PYTHON_GITHUB_TIMEOUT=<seconds>\.$/,
    );
    // Given up at the deadline, not at the reply (a generous bound: this is no timing test).
    expect(Date.now() - started).toBeLessThan(20_000);
    nock.abortPendingRequests();
    nock.cleanAll();
  });

  test('the timeout defaults to 120 s and a bad FAASM_PYTHON_GITHUB_TIMEOUT is one sentence', () => {
    expect(githubTimeoutMs({})).toBe(120_000);
    expect(githubTimeoutMs({ FAASM_PYTHON_GITHUB_TIMEOUT: '30' })).toBe(30_000);
    for (const bad of ['0', '-1', 'soon', '1e9', 'Infinity']) {
      expect(() => githubTimeoutMs({ FAASM_PYTHON_GITHUB_TIMEOUT: bad })).toThrow(
        `FAASM_PYTHON_GITHUB_TIMEOUT takes seconds (at most a day), not '${bad}'.`,
      );
    }
  });
});
