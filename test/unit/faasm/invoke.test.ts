import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invokeCommand } from '../../../src/commands/invoke.js';
import { batchStatusBody, executeBatchBody, invoke } from '../../../src/faasm/invoke.js';

// A stand-in for Faasm's planner on 127.0.0.1: it records each request's bytes and answers the
// way faabric's PlannerEndpointHandler does (protobuf JSON, default fields left out).
let server: Server;
let url: URL;
const bodies: string[] = [];
let statusCalls = 0;
let mode: 'ok' | 'refuse' | 'silent' = 'ok';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      bodies.push(`${req.method} ${req.url} ${body}`);
      if (mode === 'silent') return;
      if (mode === 'refuse') {
        res.statusCode = 500;
        return void res.end('No available hosts');
      }
      const msg = JSON.parse(body) as { http_type: number; payload: string };
      const appId = (JSON.parse(msg.payload) as { appId: number }).appId;
      if (msg.http_type === 10) return void res.end(JSON.stringify({ appId }));
      // Not finished on the first poll; then the result, returnValue 3.
      if (statusCalls++ === 0)
        return void res.end(JSON.stringify({ appId, expectedNumMessages: 1 }));
      res.end(
        JSON.stringify({
          appId,
          finished: true,
          messageResults: [{ appId, returnValue: 3, output_data: 'out: h\u00e9' }],
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});

afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

const req = {
  pyUser: 'demo',
  pyFunc: 'echo',
  input: Buffer.from([0x68, 0x69, 0, 0xff]),
  appId: 42,
  messageId: 7,
};

describe("invoke: Faasm's planner HTTP messages", () => {
  test('sends EXECUTE_BATCH then polls EXECUTE_BATCH_STATUS, byte for byte', async () => {
    bodies.length = 0;
    statusCalls = 0;
    mode = 'ok';
    const r = await invoke(url, req, 10_000, fetch, async () => undefined);
    expect(r).toEqual({ returnCode: 3, output: 'out: h\u00e9' });
    const ber =
      '{"appId":42,"user":"python","function":"py_func","messages":[{"id":7,"appId":42,"user":"python","function":"py_func","input_data":"aGkA/w==","python":true,"py_user":"demo","py_func":"echo"}]}';
    const status = '{"appId":42}';
    expect(bodies).toEqual([
      `POST / {"http_type":10,"payload":${JSON.stringify(ber)}}`,
      `POST / {"http_type":11,"payload":${JSON.stringify(status)}}`,
      `POST / {"http_type":11,"payload":${JSON.stringify(status)}}`,
    ]);
    expect(executeBatchBody({ ...req, entry: 'square' })).toContain(
      '\\"pythonEntry\\":\\"square\\"',
    );
    expect(batchStatusBody(42)).toBe(`{"http_type":11,"payload":${JSON.stringify(status)}}`);
  });

  test("a refusal is one sentence with Faasm's reason", async () => {
    mode = 'refuse';
    await expect(invoke(url, req, 5000)).rejects.toThrow(
      `Faasm at ${url.origin} refused the call to demo/echo with 500: No available hosts.`,
    );
  });

  test('a host that never answers, or is down, ends within the timeout in one sentence', async () => {
    mode = 'silent';
    await expect(
      invokeCommand.run({ host: url.href, timeout: '0.5' }, ['demo/echo']),
    ).rejects.toThrow(`${url.origin} did not answer POST / within 0.5 s; is Faasm running there?`);
    await expect(invokeCommand.run({ host: 'http://127.0.0.1:1' }, ['demo/echo'])).rejects.toThrow(
      /^Cannot reach Faasm at http:\/\/127.0.0.1:1( \(\w+\))?; is it running/,
    );
    await expect(invokeCommand.run({}, ['echo'])).rejects.toThrow(
      'Name one function as user/func.',
    );
  });

  test('the command prints the output and exits with the return code', async () => {
    mode = 'ok';
    statusCalls = 1;
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await invokeCommand.run({ host: url.href, input: 'x' }, ['demo/echo'])).toBe(3);
      expect(write).toHaveBeenCalledWith('out: h\u00e9');
    } finally {
      write.mockRestore();
    }
  });
});
