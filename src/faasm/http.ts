/**
 * Talking to a running Faasm over HTTP (its upload server and its planner): parsed URLs, a
 * timeout on every request, and one sentence for each way it can go wrong. The server is not
 * trusted further than the user's URL: a redirect to another origin is not followed (the
 * request carries the user's input or code), an answer is read up to a bound, and its text
 * reaches the terminal only without control characters.
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

/** Where a redirect leads, if it may be followed: the same origin, a few times at most. */
function redirectTarget(url: URL, from: URL, location: string, method: string, hop: number): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new UserError(`${url.origin} redirected ${method} ${from.pathname} to '${printable(location.slice(0, 200))}', which is not a URL.`); // prettier-ignore
  }
  if (next.origin !== url.origin) {
    throw new UserError(
      `${url.origin} redirected ${method} ${from.pathname} to another origin, ${printable(next.origin)}; it was not followed (the request carries your data): pass that server as --host if you trust it.`,
    );
  }
  if (hop >= MAX_REDIRECTS) {
    throw new UserError(`${url.origin} redirected ${method} ${url.pathname} more than ${MAX_REDIRECTS} times; check --host.`); // prettier-ignore
  }
  return next;
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

/** Answers are read up to this (a call's output is at most 16 MiB, base64 in JSON). */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 5;

/**
 * A server's text as it may be printed: control characters (terminal escapes among them)
 * shown as \xNN, except newlines and tabs when `keepLines`.
 */
export function printable(text: string, keepLines = false): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) =>
    keepLines && (c === '\n' || c === '\t')
      ? c
      : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** The body as text, refused past `max` bytes (by its declared length, then as it arrives). */
async function readCapped(res: Response, url: URL, max: number): Promise<string> {
  const tooBig = () =>
    new UserError(`${url.origin} answered with more than ${max} bytes; not read further.`);
  if (Number(res.headers.get('content-length') ?? 0) > max) {
    await res.body?.cancel().catch(() => {});
    throw tooBig();
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooBig();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
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
  maxBytes = MAX_RESPONSE_BYTES,
): Promise<FaasmResponse> {
  const signal = AbortSignal.timeout(ms);
  let target = url;
  try {
    for (let hop = 0; ; hop++) {
      const res = await fetchFn(target, {
        method,
        body: typeof body === 'string' ? body : Buffer.from(body),
        redirect: 'manual',
        signal,
      });
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      if (location === null) return { status: res.status, body: await readCapped(res, url, maxBytes) }; // prettier-ignore
      await res.body?.cancel().catch(() => {});
      target = redirectTarget(url, target, location, method, hop);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
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
