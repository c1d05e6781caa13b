import { Octokit } from '@octokit/rest';
import { UserError } from '../util/errors.js';

export interface GitHubTarget {
  token: string;
  owner: string;
  repo: string;
  /** e.g. https://github.com/owner/repo */
  url: string;
}

/**
 * The repository and token a release goes to: the explicit values, else GITHUB_TOKEN and
 * GITHUB_REPOSITORY as GitHub Actions sets them.
 */
export function resolveGitHubTarget(
  opts: { token?: string; repo?: string },
  env: NodeJS.ProcessEnv = process.env,
): GitHubTarget {
  const token = opts.token || env.GITHUB_TOKEN;
  if (!token) throw new UserError('No GitHub token: pass --token or set GITHUB_TOKEN.');
  const full = opts.repo || env.GITHUB_REPOSITORY;
  if (!full)
    throw new UserError('No GitHub repository: pass --repo owner/name or set GITHUB_REPOSITORY.');
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(full);
  if (!m?.[1] || !m[2])
    throw new UserError(`The repository '${full}' is not of the form owner/name.`);
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  return { token, owner: m[1], repo: m[2], url: `${server}/${m[1]}/${m[2]}` };
}

export function createOctokit(token: string, env: NodeJS.ProcessEnv = process.env): Octokit {
  return new Octokit({
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
}
