#!/usr/bin/env python3
"""A Docker Hub style v1 search index on loopback, for `GET /images/search` tests.

dockerd answers `GET /images/search?term=127.0.0.1:PORT/tomcat` by asking the index at
127.0.0.1:PORT: HTTPS first (which fails here: this server speaks plain HTTP), then
`GET /v1/_ping`, then `GET /v1/search?q=tomcat&n=25`. Podman pings `GET /v2/`, tries
`GET /v2/_catalog` (404 here) and then asks the same `GET /v1/search`. The daemon applies the `stars`,
`is-official` and `is-automated` filters itself, after the index answered; the index only
sees `q` and `n` (the API's `limit`, 25 when the client sent none).

The data set is `search_index.json` beside this file (one JSON object per line):
  * the 25 rows of the seed's `docker search tomcat` table, in its order, with full
    descriptions (the seed shows them cut at 45 columns);
  * `edge/*` rows for rendering tests (\\n and \\r inside, 200+ chars, CJK, empty, 0 stars,
    exactly 45/46 chars, a wide char across the cut, official+automated);
  * `load/image-01` .. `load/image-30`, so large limits can be exercised.
A row matches when `q` is a case-insensitive substring of its name or its description
(so `tomcat` finds `library/tomee` as Docker Hub does, via its description). At most `n`
matching rows come back, in file order.

Extra routes, for tests:
  * `q=fail-NNN` answers HTTP status NNN (e.g. `fail-500`), to see how the daemon relays it;
  * `q=slow-N` sleeps N seconds (at most 30) before answering with no results;
  * `GET /_fixture/requests` lists the last 200 requests (path and a few headers), newest last;
  * `GET /_fixture/data` returns the whole data set.

Standard library only. Usage: search_index.py --port 25502 [--host 127.0.0.1] [--data FILE]
"""

import argparse
import collections
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEFAULT_N = 25  # what Docker Hub assumes when `n` is missing
MAX_N = 100  # the daemon rejects limits above 100 anyway


def load_rows(path):
    with open(path, encoding="utf-8") as f:
        rows = json.load(f)
    keys = {"name", "description", "star_count", "is_official", "is_automated"}
    for row in rows:
        if set(row) != keys:
            raise SystemExit(f"{path}: bad row {row!r}")
    return rows


def search(rows, q, n):
    needle = q.lower()
    hits = [r for r in rows if needle in r["name"].lower() or needle in r["description"].lower()]
    return {
        "num_results": len(hits),
        "num_pages": max(1, -(-len(hits) // n)),
        "page": 1,
        "page_size": n,
        "query": q,
        "results": hits[:n],
    }


def parse_n(values):
    try:
        n = int(values[0])
    except (IndexError, ValueError):
        return DEFAULT_N
    return min(n, MAX_N) if n > 0 else DEFAULT_N


class Handler(BaseHTTPRequestHandler):
    server_version = "dimg-search-index/1"
    protocol_version = "HTTP/1.1"
    rows = []
    log = collections.deque(maxlen=200)
    log_lock = threading.Lock()

    def _send(self, status, body, extra_headers=()):
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _record(self):
        entry = {
            "time": time.time(),
            "method": self.command,
            "path": self.path,
            "headers": {
                k: v
                for k, v in self.headers.items()
                if k.lower() in ("authorization", "user-agent", "x-docker-token")
                or k.lower().startswith("x-meta-")
            },
        }
        with self.log_lock:
            self.log.append(entry)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path.startswith("/_fixture/"):
            return self._fixture(url.path)
        self._record()
        if url.path == "/v1/_ping":
            # dockerd only reads the X-Docker-Registry-* headers and tolerates any body or status.
            return self._send(200, {}, [("X-Docker-Registry-Version", "0.6.3"),
                                        ("X-Docker-Registry-Standalone", "true")])
        if url.path == "/v2/":
            # Podman (containers/image) pings the v2 API first, finds no `/v2/_catalog` (404
            # below) and then falls back to the v1 search, as against Docker Hub.
            return self._send(200, {}, [("Docker-Distribution-Api-Version", "registry/2.0")])
        if url.path != "/v1/search":
            return self._send(404, {"error": "not found", "path": url.path})
        params = parse_qs(url.query, keep_blank_values=True)
        q = params.get("q", [""])[0]
        n = parse_n(params.get("n", []))
        m = re.fullmatch(r"fail-(\d{3})", q)
        if m:
            status = int(m.group(1))
            return self._send(status, {"error": f"fixture failure {status} for {q}"})
        m = re.fullmatch(r"slow-(\d+)", q)
        if m:
            time.sleep(min(int(m.group(1)), 30))
            return self._send(200, search([], q, n))
        return self._send(200, search(self.rows, q, n))

    def _fixture(self, path):
        if path == "/_fixture/requests":
            with self.log_lock:
                return self._send(200, list(self.log))
        if path == "/_fixture/data":
            return self._send(200, self.rows)
        return self._send(404, {"error": "not found"})

    def log_message(self, fmt, *args):  # one line per request on stderr (the log file)
        msg = fmt % args
        if getattr(self, "raw_requestline", b"").startswith(b"\x16\x03"):  # a TLS ClientHello
            msg = "not TLS: answered 400 to a TLS handshake (dockerd tries HTTPS before plain HTTP)"
        msg = "".join(c if c.isprintable() else "\\x%02x" % ord(c) for c in msg)[:300]
        sys.stderr.write("%s [%s] %s\n" % (self.address_string(), self.log_date_time_string(), msg))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "search_index.json"))
    args = ap.parse_args()
    Handler.rows = load_rows(args.data)
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.allow_reuse_address = True
    httpd = ThreadingHTTPServer((args.host, args.port), Handler)
    sys.stderr.write(f"search index on http://{args.host}:{args.port} with {len(Handler.rows)} rows\n")
    sys.stderr.flush()
    httpd.serve_forever()


if __name__ == "__main__":
    main()
