"""Which requests the app makes: every network request of every page and worker, from DevTools.

The proxy in `server.py` sees all of the browser's traffic, the browser's own start-up
requests included (a search engine's preconnect, update checks), and what those are changes
with each Chromium build. The privacy promise is about the app: the page, its workers and
anything they start. So this watcher attaches to the browser over the DevTools protocol, to
every page, service worker and shared worker, and (paused at start, so that not even a first
request escapes) to every dedicated worker and frame they create, enables the Network domain
in each, and records each request's URL with the target that made it. A request whose URL is
not on 127.0.0.1/localhost (or data:/blob:) is the app's leak, and fails the test; the proxy
still refuses every outside request, so nothing leaves the machine either way.

`probe()` proves the watcher can fail: a page served by the test server fetches an outside
address itself and from a dedicated worker, and both must be seen.
"""
import json
import threading
import time
import urllib.parse
import urllib.request

import websocket  # websocket-client, a dependency of selenium

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
LOCAL_SCHEMES = ("data", "blob", "about", "chrome-error")
# Targets that make requests on the app's behalf. "browser", "tab" and "other" targets are
# Chromium's own.
APP_TARGETS = ("page", "iframe", "worker", "service_worker", "shared_worker")


def is_local(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in LOCAL_HOSTS


class NetWatch:
    def __init__(self, debugger_address):
        version = json.load(urllib.request.urlopen(f"http://{debugger_address}/json/version", timeout=10))
        # No proxy for this local socket, whatever the environment says; no Origin header,
        # which Chromium refuses unless started with --remote-allow-origins.
        self.ws = websocket.create_connection(version["webSocketDebuggerUrl"], timeout=10,
                                              http_no_proxy=["127.0.0.1", "localhost"],
                                              suppress_origin=True)
        self.ws.settimeout(None)
        self.lock = threading.Lock()
        self.next_id = 0
        self.attached = set()  # target ids
        self.kinds = {}  # session id -> target type
        self.requests = []  # (target type, url)
        self.methods = {}  # command id -> method, to tell which command an error answers
        # Failures that leave the watcher blind: a lost socket, a Network domain that would not
        # start. Other refused commands (a target gone before it was attached) are only noted.
        self.errors = []
        self.notes = []
        self.closed = False
        # Set once a page's Network domain is on: before that, a navigation would go unseen.
        self.page_ready = threading.Event()
        self.enabling = set()  # ids of Network.enable commands sent to pages
        threading.Thread(target=self.read, daemon=True).start()
        self.send("Target.setDiscoverTargets", {"discover": True})
        self.send("Target.getTargets")
        if not self.page_ready.wait(15):
            raise AssertionError(f"the DevTools watcher could not watch the page: {self.errors} {self.notes}")

    def send(self, method, params=None, session=None):
        with self.lock:
            self.next_id += 1
            sent = self.next_id
            message = {"id": self.next_id, "method": method, "params": params or {}}
            self.methods[self.next_id] = method
            if session:
                message["sessionId"] = session
            self.ws.send(json.dumps(message))
        return sent

    def attach(self, info):
        if info["type"] in ("page", "service_worker", "shared_worker") and info["targetId"] not in self.attached:
            self.attached.add(info["targetId"])
            self.send("Target.attachToTarget", {"targetId": info["targetId"], "flatten": True})

    def attached_to(self, session, info):
        self.attached.add(info["targetId"])
        self.kinds[session] = info["type"]
        # Children (dedicated workers, out-of-process frames) start paused until resumed below,
        # after their Network domain is on.
        sent = self.send("Network.enable", {}, session)
        if info["type"] == "page":
            self.enabling.add(sent)
        self.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True,
                                           "flatten": True}, session)
        self.send("Runtime.runIfWaitingForDebugger", {}, session)

    def read(self):
        while not self.closed:
            try:
                message = json.loads(self.ws.recv())
            except Exception as e:  # closed socket at the end, or a real failure
                if not self.closed:
                    self.errors.append(repr(e))
                return
            method, params = message.get("method"), message.get("params", {})
            if message.get("id") in self.enabling and "error" not in message:
                self.page_ready.set()
            if "error" in message:
                failed = self.methods.get(message.get("id"))
                text = f"{failed}: {message['error'].get('message')}"
                gone = "session" in text.lower() or "not found" in text.lower()
                (self.errors if failed == "Network.enable" and not gone else self.notes).append(text)
            elif message.get("result", {}).get("targetInfos") is not None:
                for info in message["result"]["targetInfos"]:
                    self.attach(info)
            elif method == "Target.targetCreated":
                self.attach(params["targetInfo"])
            elif method == "Target.attachedToTarget":
                self.attached_to(params["sessionId"], params["targetInfo"])
            elif method == "Network.requestWillBeSent":
                self.record(message.get("sessionId"), params["request"]["url"])
            elif method == "Network.webSocketCreated":
                self.record(message.get("sessionId"), params["url"])

    def record(self, session, url):
        kind = self.kinds.get(session, "unknown")
        with self.lock:
            self.requests.append((kind, url))

    def leaks(self):
        with self.lock:
            return [(k, u) for k, u in self.requests if k in APP_TARGETS and not is_local(u)]

    def seen(self):
        with self.lock:
            return list(self.requests)

    def clear(self):
        with self.lock:
            self.requests.clear()

    def close(self):
        self.closed = True
        try:
            self.ws.close()
        except Exception:
            pass


PROBE_PAGE = """<!doctype html><title>probe</title><script>
fetch("http://leak-from-page.invalid/x").catch(() => {});
const w = new Worker("/__e2e/probe-worker.js");
w.onmessage = () => { document.title = "probed"; };
</script>"""
PROBE_WORKER = """fetch("http://leak-from-worker.invalid/x").catch(() => {}).finally(() => postMessage("done"));"""
PROBE_FILES = {"/__e2e/probe.html": ("text/html", PROBE_PAGE),
               "/__e2e/probe-worker.js": ("text/javascript", PROBE_WORKER)}


def probe(driver, watch, port, timeout=30):
    """Loads a page that makes outside requests itself and from a dedicated worker, and checks
    that the watcher reports both: a privacy check that cannot see them would pass anything."""
    watch.clear()
    driver.get(f"http://127.0.0.1:{port}/__e2e/probe.html")
    wanted = {"leak-from-page.invalid", "leak-from-worker.invalid"}
    end = time.time() + timeout
    while time.time() < end:
        found = {urllib.parse.urlsplit(u).hostname for _, u in watch.leaks()}
        if wanted <= found:
            watch.clear()
            return
        time.sleep(0.2)
    raise AssertionError(f"the privacy check did not see a probe page's outside requests "
                         f"(wanted {sorted(wanted)}; seen {watch.seen()}; errors {watch.errors})")
