// Downloading over HTTP with timeouts for the first answer and for each stall.
import { open } from 'node:fs/promises';

/** How long a server may take to answer, and to send the next bytes once it has. */
export interface DownloadTimeouts {
  answerMs: number;
  idleMs: number;
}

export const DOWNLOAD_TIMEOUTS: DownloadTimeouts = { answerMs: 30_000, idleMs: 60_000 };

/**
 * Downloads `url` into `dest`. Fails (with a reason a sentence can carry) when the server does
 * not answer within `answerMs` or stalls for `idleMs`; a slow but steady download may take as
 * long as it needs.
 */
export async function download(
  url: string,
  dest: string,
  timeouts: DownloadTimeouts = DOWNLOAD_TIMEOUTS,
): Promise<void> {
  const ctl = new AbortController();
  let why = `no answer within ${timeouts.answerMs / 1000} s`;
  let timer = setTimeout(() => ctl.abort(), timeouts.answerMs);
  const fh = await open(dest, 'w');
  try {
    const res = await fetch(url, { signal: ctl.signal });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    why = `no data for ${timeouts.idleMs / 1000} s`;
    for await (const chunk of res.body) {
      clearTimeout(timer);
      timer = setTimeout(() => ctl.abort(), timeouts.idleMs);
      await fh.write(chunk);
    }
  } catch (err) {
    throw ctl.signal.aborted ? new Error(why) : err;
  } finally {
    clearTimeout(timer);
    await fh.close();
  }
}
