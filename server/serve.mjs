#!/usr/bin/env node
/**
 * Serves Pocket KMS from this folder's dist/ on a loopback address, with the app's security
 * headers (server/security-headers.mjs), using nothing but Node's standard library — the
 * release archive's server for machines with Node and no npm (serve.py is its twin for Python).
 *
 *   node serve.mjs [--host 127.0.0.1] [--port 4173] [--dir dist]
 *
 * It listens only on loopback (127.0.0.0/8, ::1, or the name `localhost`, which it binds as
 * 127.0.0.1) and refuses any other address: the vault lives in the browser, and nothing here is
 * for another machine. It answers GET and HEAD for files under dist/, `/` with index.html,
 * and only requests whose Host header names the loopback address it listens on (a web page
 * elsewhere cannot reach it through DNS rebinding).
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { isIP } from 'node:net';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));

/** The release ships the headers as JSON (written by release/build-release.mjs from the module). */
async function securityHeaders() {
  const json = join(here, 'security-headers.json');
  if (existsSync(json)) return JSON.parse(readFileSync(json, 'utf8'));
  return (await import('./security-headers.mjs')).SECURITY_HEADERS;
}

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * The address to bind for `host`, or undefined when it is not loopback: 127.0.0.0/8, ::1, or
 * `localhost` (bound as 127.0.0.1; browsers resolve it to loopback themselves). Any other name
 * is refused even if it resolves to loopback today: a name's answer can change.
 */
function loopbackAddress(host) {
  if (host === 'localhost') return '127.0.0.1';
  if (isIP(host) === 4 && host.startsWith('127.')) return host;
  if (host === '::1' || host === '[::1]') return '::1';
  return undefined;
}

function main() {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '4173' },
      dir: { type: 'string', default: join(here, 'dist') },
    },
  });
  const address = loopbackAddress(values.host);
  if (address === undefined) {
    console.error(
      `serve.mjs: refusing to listen on "${values.host}": only loopback (127.0.0.1, ::1, localhost).`,
    );
    process.exit(2);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`serve.mjs: --port must be a number from 1 to 65535, not "${values.port}".`);
    process.exit(2);
  }
  const root = resolve(values.dir);
  if (!existsSync(join(root, 'index.html'))) {
    console.error(`serve.mjs: no index.html in ${root}.`);
    process.exit(2);
  }
  return { host: values.host, address, port, root };
}

/** A URL's host for an address: IPv6 in brackets. */
function urlHost(address) {
  return address.includes(':') ? `[${address.replace(/^\[|\]$/g, '')}]` : address;
}

/** The Host headers this server answers: the loopback names of its own address and port. */
function hostHeaders(host, address, port) {
  return new Set([host, address, 'localhost'].map((name) => `${urlHost(name)}:${port}`));
}

const { host, address, port, root } = main();
const headers = await securityHeaders();
const allowedHosts = hostHeaders(host, address, port);

const server = createServer((request, response) => {
  const send = (status, type, body) => {
    response.writeHead(status, { ...headers, 'Content-Type': type, 'Cache-Control': 'no-cache' });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  if (!allowedHosts.has((request.headers.host ?? '').toLowerCase())) {
    return send(
      421,
      'text/plain; charset=utf-8',
      'This server answers only its loopback address.\n',
    );
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(405, 'text/plain; charset=utf-8', 'Method not allowed.\n');
  }
  let path;
  try {
    path = decodeURIComponent(new URL(request.url ?? '/', 'http://loopback').pathname);
  } catch {
    return send(400, 'text/plain; charset=utf-8', 'Bad request.\n');
  }
  if (path.endsWith('/')) path += 'index.html';
  const file = resolve(root, `.${path}`);
  const inside = file.startsWith(root + sep) && !path.includes('\0');
  const stat = inside ? statSync(file, { throwIfNoEntry: false }) : undefined;
  if (!stat?.isFile()) return send(404, 'text/plain; charset=utf-8', 'Not found.\n');
  response.writeHead(200, {
    ...headers,
    'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': stat.size,
    'Cache-Control': 'no-cache',
  });
  if (request.method === 'HEAD') return response.end();
  createReadStream(file).pipe(response);
});

server.listen(port, address, () => {
  console.log(`Pocket KMS: http://${urlHost(host)}:${port}/ (serving ${root}; Ctrl+C stops it)`);
});
server.on('error', (error) => {
  console.error(`serve.mjs: ${error.message}`);
  process.exit(1);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
