"""The browser test's only server, on 127.0.0.1: it serves the built app (`dist/`), a fake
Hugging Face Hub (`/hub/{id}/resolve/{revision}/{file}` from a folder), the privacy check's
probe pages (`/__e2e/...`, see `netwatch.py`), and is also the browser's HTTP proxy, so every
request the browser makes (page, worker, prefetches, anything Chromium itself tries) passes
through here and is recorded. Requests for any other host are refused, so nothing leaves the
machine; which of them the app made (a test failure) is told by `netwatch.py`, not here,
because Chromium's own start-up traffic changes from build to build.
"""
import http.server
import json
import os
import threading
import time
import urllib.parse
from pathlib import Path


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # (method, url)
        self.leaks = []

    def add(self, method, url, leak):
        with self.lock:
            self.requests.append((method, url))
            print(f"[e2e] {time.strftime('%H:%M:%S')} {method} {url[:100]}", flush=True)
            if leak:
                self.leaks.append((method, url))


def make_handler(dist: Path, hub: Path, recorder: Recorder, port: int, extra: dict):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def handle(self):
            # Chromium resets connections it gives up on (its own start-up probes, a page
            # closed mid-request): not the app's doing, so no traceback in the log.
            try:
                super().handle()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def do_CONNECT(self):
            host = self.path.rsplit(":", 1)[0]
            recorder.add("CONNECT", self.path, host not in ("127.0.0.1", "localhost"))
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            self.serve(head=False)

        def do_HEAD(self):
            self.serve(head=True)

        def do_POST(self):
            recorder.add("POST", self.path, True)
            self.send_error(403)

        def serve(self, head):
            url = urllib.parse.urlsplit(self.path)
            host = url.hostname or "127.0.0.1"
            full = self.path if url.scheme else f"http://127.0.0.1:{port}{self.path}"
            local = host in ("127.0.0.1", "localhost")
            recorder.add(self.command, full, not local)
            if not local:
                self.send_error(403, "outside 127.0.0.1")
                return
            if url.port not in (None, port):
                self.send_error(502, "nothing serves that port")
                return
            path = urllib.parse.unquote(url.path)
            if path in extra:
                kind, text = extra[path]
                return self.send_body(text.encode(), kind, head)
            if path.startswith("/hub/"):
                parts = path[len("/hub/"):].split("/")
                # {owner}/{name}/resolve/{revision}/{file}
                if len(parts) == 5 and parts[2] == "resolve":
                    file = hub / parts[0] / parts[1] / parts[4]
                else:
                    file = Path("/nonexistent")
            else:
                file = dist / (path.lstrip("/") or "index.html")
                if file.is_dir():
                    file = file / "index.html"
            try:
                file.resolve().relative_to(dist.resolve() if not path.startswith("/hub/") else hub.resolve())
            except ValueError:
                self.send_error(404)
                return
            if not file.is_file():
                self.send_error(404)
                return
            kind = {".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm",
                    ".css": "text/css", ".json": "application/json"}.get(file.suffix, "application/octet-stream")
            self.send_body(file.read_bytes(), kind, head)

        def send_body(self, body, kind, head):
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            if not head:
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    # The browser went away mid-download (the run ends while a last page
                    # still fetches its worker): one line, not a traceback in the log.
                    print(f"[e2e] {time.strftime('%H:%M:%S')} the browser closed the connection "
                          f"during {self.path[:100]}", flush=True)
                    self.close_connection = True

    return Handler


def start(dist: Path, hub: Path, extra: dict | None = None):
    """Serves on a free port of 127.0.0.1; `extra` maps paths to (content type, text)."""
    recorder = Recorder()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), None)
    port = server.server_address[1]
    server.RequestHandlerClass = make_handler(dist, hub, recorder, port, extra or {})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, port, recorder
