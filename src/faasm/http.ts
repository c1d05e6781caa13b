/**
 * Talking to a running Faasm over HTTP (its upload server and its planner): parsed URLs, a
 * timeout on every request, and one sentence for each way it can go wrong.
 */
import { UsageError, UserError } from '../util/errors.js';

/** `--host` as an http(s) URL, or one sentence saying what is wrong with it. */
export function parseHostUrl(value: string, option = '--host'): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${option} takes a URL such as http://localhost:8002, not '${value}'.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${option} must be an http:// or https:// URL, not '${value}'.`);
  }
  return url;
}

/** Seconds from `--timeout`, or the default. */
export function timeoutMs(raw: string | undefined, defaultSeconds: number): number {
  if (raw === undefined) return defaultSeconds * 1000;
  const s = Number(raw);
  if (!(s > 0) || !Number.isFinite(s))
    throw new UsageError(`--timeout takes seconds, not '${raw}'.`);
  return s * 1000;
}

export interface FaasmResponse {
  status: number;
  body: string;
}

/**
 * One request with a deadline. A host that is down, refuses, or never answers within `ms` is
 * a UserError naming the URL; any HTTP status is returned for the caller to judge.
 */
export async function faasmRequest(
  method: 'PUT' | 'POST',
  url: URL,
  body: string | Uint8Array,
  ms: number,
  fetchFn: typeof fetch = fetch,
  /** The limit the user set, when `ms` is what is left of it (the message names the limit). */
  limitMs = ms,
): Promise<FaasmResponse> {
  try {
    const res = await fetchFn(url, {
      method,
      body: typeof body === 'string' ? body : Buffer.from(body),
      signal: AbortSignal.timeout(ms),
    });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      throw new UserError(
        `${url.origin} did not answer ${method} ${url.pathname} within ${limitMs / 1000} s; is Faasm running there?`,
      );
    }
    const code = e.cause?.code ? ` (${e.cause.code})` : '';
    throw new UserError(
      `Cannot reach Faasm at ${url.origin}${code}; is it running, and is --host right?`,
    );
  }
}
