/**
 * Invoking a Python function on a running Faasm through its planner's HTTP endpoint, with the
 * messages faabric reads (faasm/faabric @ d13bb4b8: src/planner/planner.proto HttpMessage,
 * src/proto/faabric.proto BatchExecuteRequest/Message, src/planner/PlannerEndpointHandler.cpp).
 *
 * EXECUTE_BATCH (http_type 10) starts a batch of one message for python/py_func with the python
 * flag, py_user, py_func and the input; EXECUTE_BATCH_STATUS (11) is polled until the batch has
 * finished. Both bodies are protobuf JSON: `bytes` fields (input_data) are base64, and fields at
 * their default value (returnValue 0, finished false) are left out of answers.
 */
import { UserError } from '../util/errors.js';
import { faasmRequest, printable } from './http.js';

export const EXECUTE_BATCH = 10;
export const EXECUTE_BATCH_STATUS = 11;

export interface InvokeRequest {
  pyUser: string;
  pyFunc: string;
  /** A chained entry instead of faasm_main (Message.pythonEntry). */
  entry?: string;
  input: Uint8Array;
  /** Client-chosen ids, as Faasm's own clients choose them. */
  appId: number;
  messageId: number;
}

export interface InvokeResult {
  returnCode: number;
  output: string;
}

/** The planner's HTTP message for starting the call. */
export function executeBatchBody(r: InvokeRequest): string {
  const message = {
    id: r.messageId,
    appId: r.appId,
    user: 'python',
    function: 'py_func',
    input_data: Buffer.from(r.input).toString('base64'),
    python: true,
    py_user: r.pyUser,
    py_func: r.pyFunc,
    ...(r.entry ? { pythonEntry: r.entry } : {}),
  };
  const ber = { appId: r.appId, user: 'python', function: 'py_func', messages: [message] };
  return JSON.stringify({ http_type: EXECUTE_BATCH, payload: JSON.stringify(ber) });
}

export function batchStatusBody(appId: number): string {
  return JSON.stringify({ http_type: EXECUTE_BATCH_STATUS, payload: JSON.stringify({ appId }) });
}

interface BatchStatus {
  finished?: boolean;
  messageResults?: { returnValue?: number; output_data?: string; outputData?: string }[];
}

function parseStatus(body: string, url: URL): BatchStatus {
  try {
    return JSON.parse(body) as BatchStatus;
  } catch {
    throw new UserError(
      `Faasm at ${url.origin} answered with something that is not JSON: ${printable(body.slice(0, 120))}`,
    );
  }
}

/** Starts the call and waits for its result, all within `ms`. */
export async function invoke(
  url: URL,
  r: InvokeRequest,
  ms: number,
  fetchFn: typeof fetch = fetch,
  sleep: (ms: number) => Promise<void> = (t) => new Promise((res) => setTimeout(res, t)),
): Promise<InvokeResult> {
  const deadline = Date.now() + ms;
  const left = () => Math.max(1, deadline - Date.now());
  const call = async (body: string, what: string) => {
    const res = await faasmRequest('POST', url, body, left(), fetchFn, ms);
    if (res.status !== 200) {
      throw new UserError(
        `Faasm at ${url.origin} refused ${what} with ${res.status}: ${printable(res.body.trim().slice(0, 200)) || 'no reason given'}.`,
      );
    }
    return parseStatus(res.body, url);
  };
  await call(executeBatchBody(r), `the call to ${r.pyUser}/${r.pyFunc}`);
  for (;;) {
    const status = await call(batchStatusBody(r.appId), 'the status request');
    const result = status.messageResults?.[0];
    if (status.finished && result) {
      return {
        returnCode: result.returnValue ?? 0,
        output: result.output_data ?? result.outputData ?? '',
      };
    }
    if (Date.now() + 200 >= deadline) {
      throw new UserError(
        `${r.pyUser}/${r.pyFunc} did not finish within ${ms / 1000} s (app ${r.appId} may still be running in Faasm).`,
      );
    }
    await sleep(200);
  }
}
