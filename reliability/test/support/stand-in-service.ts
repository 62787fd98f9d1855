import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/** A request to the stand-in: its method and the customer id of its path (`/customers/<id>...`), if any. */
export interface StandInRequest {
  method: string;
  customerId?: string;
}

export type Answer = (status: number, body?: unknown) => void;

/**
 * A stand-in customer-service on loopback for the chaos workload's unit tests, listening for the
 * test file's tests: each request, once its body is read, is answered by `handle` (JSON).
 */
export function useStandInService(handle: (request: StandInRequest, answer: Answer) => void): { readonly url: string } {
  const context = { url: '' };
  let server: Server;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume().on('end', () => {
        const answer: Answer = (status, body) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? undefined : JSON.stringify(body));
        const customerId = /^\/customers\/([^/]+)/.exec(req.url ?? '')?.[1];
        handle({ method: req.method ?? '', customerId }, answer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    context.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return context;
}
