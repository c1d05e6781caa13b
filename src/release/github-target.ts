// Which GitHub repository and token a release uses, and the Octokit client for it.
import { readFile } from 'node:fs/promises';
import { Octokit } from '@octokit/rest';
import { UserError, errorMessage } from '../util/errors.js';

export interface GitHubTarget {
  token: string;
  owner: string;
  repo: string;
  /** e.g. https://github.com/owner/repo */
  url: string;
}

/** Why the CLI has no `--token`, and what to use instead. */
export const TOKEN_ARGUMENT_REFUSED =
  'A token given as an argument shows in ps and shell history, so --token is not taken: set GITHUB_TOKEN, or put the token in a file only you can read and pass --token-file FILE.';

/** The token held in `file` (its first line, surrounding blanks dropped). */
export async function readTokenFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
    throw new UserError(`Cannot read the token file ${file} (${code}); check --token-file.`);
  }
  const token = text.split(/\r?\n/)[0]?.trim() ?? '';
  if (!token) throw new UserError(`The token file ${file} is empty; put the GitHub token in it.`);
  return token;
}

/**
 * The repository and token a release goes to: the explicit values (the CLI's from --token-file,
 * the action's from its input), else GITHUB_TOKEN and GITHUB_REPOSITORY as GitHub Actions sets
 * them.
 */
export function resolveGitHubTarget(
  opts: { token?: string; repo?: string },
  env: NodeJS.ProcessEnv = process.env,
): GitHubTarget {
  const token = opts.token || env.GITHUB_TOKEN;
  if (!token) throw new UserError('No GitHub token: set GITHUB_TOKEN or pass --token-file FILE.');
  const full = opts.repo || env.GITHUB_REPOSITORY;
  if (!full)
    throw new UserError('No GitHub repository: pass --repo owner/name or set GITHUB_REPOSITORY.');
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(full);
  if (!m?.[1] || !m[2])
    throw new UserError(`The repository '${full}' is not of the form owner/name.`);
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  return { token, owner: m[1], repo: m[2], url: `${server}/${m[1]}/${m[2]}` };
}

/** Seconds a GitHub API request may take, from FAASM_PYTHON_GITHUB_TIMEOUT (default 120). */
export function githubTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FAASM_PYTHON_GITHUB_TIMEOUT;
  if (raw === undefined || raw === '') return 120_000;
  const s = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(s > 0) || s > 24 * 3600) {
    throw new UserError(`FAASM_PYTHON_GITHUB_TIMEOUT takes seconds (at most a day), not '${raw}'.`);
  }
  return s * 1000;
}

export function createOctokit(token: string, env: NodeJS.ProcessEnv = process.env): Octokit {
  const ms = githubTimeoutMs(env);
  const octokit = new Octokit({
    auth: token,
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    userAgent: 'faasm-python',
    // Octokit logs every 4xx as an error; a 404 on lookup is expected here, and real failures
    // are thrown and reported once by the caller.
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: console.warn,
      error: () => undefined,
    },
  });
  // Octokit has no timeout of its own: each request (an asset upload included, body and all)
  // gets a deadline, so a server that never answers fails the release instead of hanging it.
  octokit.hook.wrap('request', async (request, options) => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // The race does not rely on the fetch in use honouring the signal; the signal still stops
    // a real fetch's socket.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        const url = new URL(octokit.request.endpoint.parse(options).url);
        reject(
          new UserError(
            `GitHub (${url.host}) did not answer ${options.method} ${url.pathname} within ${ms / 1000} s; try again, or allow longer with FAASM_PYTHON_GITHUB_TIMEOUT=<seconds>.`,
          ),
        );
      }, ms);
    });
    const signal = controller.signal;
    try {
      return await Promise.race([
        request({ ...options, request: { ...options.request, signal } }),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  });
  return octokit;
}
