#!/usr/bin/env python3
"""Serves Pocket KMS from this folder's dist/ on a loopback address, with the app's security
headers, using nothing but Python 3's standard library (3.7 or newer) -- the release archive's
server for machines with Python and no Node (serve.mjs is its twin).

    python3 serve.py [--host 127.0.0.1] [--port 4173] [--dir dist]

It listens only on loopback (127.0.0.0/8, ::1, or the name `localhost`, which it binds as
127.0.0.1) and refuses any other address. It answers GET and HEAD for files under dist/, `/`
with index.html, and only requests whose Host header names the loopback address it listens on.
The headers are security-headers.json, which `npm run release` writes from the one definition
(server/security-headers.mjs in the source tree).
"""
import argparse
import http.server
import ipaddress
import json
import os
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Explicit, not the platform's table: some systems map .js to text/plain, which the
# X-Content-Type-Options: nosniff header then makes the browser refuse to run.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".wasm": "application/wasm",
}


def loopback_address(host):
    """The address to bind for host, or None when it is not loopback (as serve.mjs)."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if address.version == 4 and address.is_loopback:
        return str(address)
    if address.version == 6 and address == ipaddress.ip_address("::1"):
        return "::1"
    return None


def url_host(name):
    return "[%s]" % name.strip("[]") if ":" in name else name


def main():
    parser = argparse.ArgumentParser(description="Serve Pocket KMS on a loopback address.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4173)
    parser.add_argument("--dir", default=os.path.join(HERE, "dist"))
    args = parser.parse_args()

    address = loopback_address(args.host)
    if address is None:
        sys.exit('serve.py: refusing to listen on "%s": only loopback (127.0.0.1, ::1, localhost).'
                 % args.host)
    if not 1 <= args.port <= 65535:
        sys.exit("serve.py: --port must be a number from 1 to 65535.")
    root = os.path.abspath(args.dir)
    if not os.path.isfile(os.path.join(root, "index.html")):
        sys.exit("serve.py: no index.html in %s." % root)
    with open(os.path.join(HERE, "security-headers.json"), encoding="utf-8") as file:
        headers = json.load(file)
    allowed_hosts = {"%s:%d" % (url_host(name), args.port) for name in (args.host, address, "localhost")}

    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {"": "application/octet-stream", **CONTENT_TYPES}

        def __init__(self, *handler_args, **kwargs):
            super().__init__(*handler_args, directory=root, **kwargs)

        def end_headers(self):
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Cache-Control", "no-cache")
            super().end_headers()

        def send_head(self):
            if self.headers.get("Host", "") not in allowed_hosts:
                self.send_error(421, "This server answers only its loopback address.")
                return None
            return super().send_head()

        def list_directory(self, path):
            self.send_error(404, "Not found.")
            return None

        def guess_type(self, path):
            return CONTENT_TYPES.get(os.path.splitext(path)[1].lower(), "application/octet-stream")

        def log_message(self, format, *log_args):
            pass  # one line per request would bury the address printed at start

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in address else socket.AF_INET
        daemon_threads = True

    try:
        server = Server((address, args.port), Handler)
    except OSError as error:
        sys.exit("serve.py: %s" % error)
    print("Pocket KMS: http://%s:%d/ (serving %s; Ctrl+C stops it)" % (url_host(args.host), args.port, root),
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
