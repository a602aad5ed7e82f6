#!/usr/bin/env python3
"""A fault proxy on loopback in front of the test registry, for what a real registry cannot do on
demand: answer 429 with Docker Hub's body, answer 503, reset a connection (before the answer or
in the middle of a blob), or stall. The daemon pulls through it (`127.0.0.1:PORT/NAME`, an
insecure registry like every loopback one), and every request it forwards is counted.

Control, on the proxy itself (never forwarded):
  POST   /__faults           JSON list of rules, appended; each rule:
                             {"path": "/t/p31/",          a substring of the request path
                              "method": "GET",            optional
                              "action": "429" | "503" | "reset" | "reset-mid-body" | "stall",
                              "times": 1,                 how many matching requests it takes
                              "seconds": 30,              for "stall": how long (then forwarded)
                              "retry_after": 0}           for "429"/"503": a Retry-After header
                                                          (seconds; Podman waits that long
                                                          between its own retries, else 2 s
                                                          doubling)
  DELETE /__faults           removes every rule; with a JSON body {"path": "/t/p31/"}, only the
                             rules whose path contains that (a test removes its own)
  GET    /__faults/requests  the requests seen, oldest first: [{"method", "path", "answer"}]
  DELETE /__faults/requests  forgets them
Rules are matched in order; the first whose path and method match and whose `times` is not used
up applies. Tests scope rules (and count requests) by their own repository names, so tests can
run at once.
"""

import argparse
import http.client
import http.server
import json
import socket
import struct
import threading
import time

# Docker Hub's answer when the pull rate limit is reached (distribution's error envelope).
RATE_LIMIT_BODY = json.dumps(
    {
        "errors": [
            {
                "code": "TOOMANYREQUESTS",
                "message": "You have reached your pull rate limit. You may increase the limit by "
                "authenticating and upgrading: https://www.docker.com/increase-rate-limit",
            }
        ]
    }
).encode()

UNAVAILABLE_BODY = json.dumps(
    {"errors": [{"code": "UNAVAILABLE", "message": "service unavailable"}]}
).encode()

# Hop-by-hop headers are the proxy's own business, not forwarded.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
}


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rules: list[dict] = []
        self.seen: list[dict] = []

    def take(self, method: str, path: str) -> dict | None:
        """The rule for this request, its use counted; None: forward it."""
        with self.lock:
            for rule in self.rules:
                if rule.get("times", 1) <= 0:
                    continue
                if rule["path"] not in path:
                    continue
                if rule.get("method") not in (None, method):
                    continue
                rule["times"] = rule.get("times", 1) - 1
                return dict(rule)
        return None

    def record(self, method: str, path: str, answer: str) -> None:
        with self.lock:
            self.seen.append({"method": method, "path": path, "answer": answer})


def reset(connection: socket.socket) -> None:
    """Closes with a TCP reset (SO_LINGER 0) instead of an orderly FIN."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def handler(upstream: str, state: State) -> type:
    host, port = upstream.rsplit(":", 1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            print(f"{self.address_string()} {format % args}", flush=True)

        def reply(
            self, status: int, body: bytes, content_type: str = "application/json", retry_after: object = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if retry_after is not None:
                self.send_header("Retry-After", str(retry_after))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def control(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            if path == "/__faults" and self.command == "POST":
                rules = json.loads(body or b"[]")
                if not isinstance(rules, list) or not all(isinstance(r, dict) and "path" in r for r in rules):
                    self.reply(400, b'{"error": "expected a JSON list of rules with a path"}')
                    return
                with state.lock:
                    state.rules.extend(rules)
                self.reply(200, b"{}")
            elif path == "/__faults" and self.command == "DELETE":
                scope = json.loads(body or b"{}").get("path", "")
                with state.lock:
                    state.rules[:] = [rule for rule in state.rules if scope not in rule["path"]]
                self.reply(200, b"{}")
            elif path == "/__faults/requests" and self.command == "GET":
                with state.lock:
                    seen = json.dumps(state.seen).encode()
                self.reply(200, seen)
            elif path == "/__faults/requests" and self.command == "DELETE":
                with state.lock:
                    state.seen.clear()
                self.reply(200, b"{}")
            else:
                self.reply(404, b'{"error": "no such control endpoint"}')

        def handle_any(self) -> None:
            if self.path.startswith("/__faults"):
                self.control()
                return
            rule = state.take(self.command, self.path)
            action = rule["action"] if rule else "forward"
            retry_after = rule.get("retry_after") if rule else None
            state.record(self.command, self.path, action)
            if action == "429":
                self.reply(429, RATE_LIMIT_BODY, retry_after=retry_after)
                return
            if action == "503":
                self.reply(503, UNAVAILABLE_BODY, retry_after=retry_after)
                return
            if action == "reset":
                self.close_connection = True
                reset(self.connection)
                return
            if action == "stall":
                time.sleep(float(rule.get("seconds", 3600)))
            self.forward(mid_body_reset=action == "reset-mid-body")

        def forward(self, mid_body_reset: bool) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            # A header sent several times (dockerd sends one Accept per manifest type, in a
            # random order) becomes one comma-separated list: keeping only its last value
            # would make the registry answer with whichever type came last.
            headers: dict[str, str] = {}
            for key, value in self.headers.items():
                if key.lower() not in HOP_BY_HOP:
                    headers[key] = f"{headers[key]}, {value}" if key in headers else value
            upstream_conn = http.client.HTTPConnection(host, int(port), timeout=60)
            try:
                upstream_conn.request(self.command, self.path, body=body, headers=headers)
                answer = upstream_conn.getresponse()
                self.send_response(answer.status, answer.reason)
                for key, value in answer.getheaders():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                size = answer.getheader("Content-Length")
                if size is None and self.command != "HEAD":
                    # Unknown length: the end of the connection ends the body.
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if self.command == "HEAD":
                    return
                sent = 0
                # Half the body, then a reset: a blob broken mid-transfer.
                cut = int(size) // 2 if mid_body_reset and size else None
                while True:
                    chunk = answer.read(64 * 1024)
                    if not chunk:
                        break
                    if cut is not None and sent + len(chunk) > cut:
                        self.wfile.write(chunk[: cut - sent])
                        self.wfile.flush()
                        self.close_connection = True
                        reset(self.connection)
                        return
                    self.wfile.write(chunk)
                    sent += len(chunk)
            finally:
                upstream_conn.close()

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--port", type=int, required=True, help="0: any free port (printed)")
    parser.add_argument("--upstream", required=True, help="host:port of the registry (or the search index)")
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler(args.upstream, State()))
    server.daemon_threads = True
    # The port bound, which --port 0 leaves to the kernel (a test's own proxy, in front of
    # another upstream such as the search index, reads it from this line).
    print(f"fault proxy on 127.0.0.1:{server.server_address[1]} -> {args.upstream}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
