/**
 * A second local origin for the headers tests: a tiny Node server on another loopback port that
 * serves one page framing the app, and answers any other request with CORS open to everyone —
 * so that a request the app's policy lets through would succeed, and only the policy stops it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtherOrigin {
  origin: string;
  /** How many requests reached it (the page that frames the app counts as one). */
  requests: () => number;
  close: () => Promise<void>;
}

export async function startOtherOrigin(appUrl: string): Promise<OtherOrigin> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests += 1;
    if (request.url === '/frame.html') {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><title>framer</title><iframe src="${appUrl}"></iframe>`);
      return;
    }
    response.writeHead(200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Access-Control-Allow-Origin': '*',
    });
    response.end('export default "reached";\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
