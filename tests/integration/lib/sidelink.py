"""Run the real Sidelink programs on loopback for integration tests and the
demo: free ports, daemons in temporary directories, REST calls, SSE events,
the client control socket. Standard library only."""

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request


def free_port(kind=socket.SOCK_DGRAM):
    """A port the kernel just handed out on 127.0.0.1 (UDP or TCP)."""
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(predicate, timeout=10.0, step=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting for " + what)


class Daemon:
    """A program running in the background with its log in a file."""

    def __init__(self, argv, workdir, name):
        self.argv = argv
        self.workdir = workdir
        self.name = name
        self.log_path = os.path.join(workdir, name + ".log")
        self.proc = None

    def start(self):
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, cwd=self.workdir, stdout=self.logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signal the program and wait; returns its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        code = self.proc.returncode
        self.proc = None
        return code

    def log(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


class Server(Daemon):
    def __init__(self, binary, workdir, db=None, extra=()):
        self.coap_port = free_port(socket.SOCK_DGRAM)
        self.http_port = free_port(socket.SOCK_STREAM)
        self.url = "http://127.0.0.1:%d" % self.http_port
        self.coap_uri = "coap://127.0.0.1:%d" % self.coap_port
        self.coaps_port = free_port(socket.SOCK_DGRAM)
        self.coaps_uri = "coaps://127.0.0.1:%d" % self.coaps_port
        db = db or os.path.join(workdir, "server.db")
        argv = [binary, "--coap", "127.0.0.1:%d" % self.coap_port,
                "--coaps", "127.0.0.1:%d" % self.coaps_port,
                "--http", "127.0.0.1:%d" % self.http_port, "--db", db] + list(extra)
        super().__init__(argv, workdir, "server")

    def start(self):
        super().start()
        wait_for(lambda: self._up(), what="sidelink-server to listen")
        return self

    def _up(self):
        if not self.alive():
            raise AssertionError("sidelink-server exited:\n" + self.log())
        try:
            self.get("/api/clients")
            return True
        except OSError:
            return False

    def request(self, method, path, body=None, timeout=15.0):
        """(HTTP status, decoded JSON or None)."""
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body).encode() if not isinstance(body, bytes) else body
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                raw = r.read()
                return r.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, (json.loads(raw) if raw else None)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def clients(self):
        status, body = self.get("/api/clients")
        assert status == 200, (status, body)
        return {c["endpoint"]: c for c in body}

    def wait_registered(self, ep, timeout=10.0):
        return wait_for(lambda: self.clients().get(ep), timeout, what=ep + " to register")

    def wait_gone(self, ep, timeout=10.0):
        return wait_for(lambda: ep not in self.clients(), timeout, what=ep + " to leave")


class Client(Daemon):
    def __init__(self, binary, workdir, endpoint, server_uri, lifetime=60, config_extra="",
                 extra=(), server_extra=""):
        self.endpoint = endpoint
        self.control = os.path.join(workdir, endpoint + ".sock")
        self.state_dir = os.path.join(workdir, endpoint + ".state")
        self.config = os.path.join(workdir, endpoint + ".conf")
        with open(self.config, "w") as f:
            f.write("endpoint = %s\nlifetime = %d\nlisten = 127.0.0.1:0\n"
                    "control = %s\nstate_dir = %s\n%s\n"
                    % (endpoint, lifetime, self.control, self.state_dir, config_extra))
            if server_uri:  # None: no [server] block (a client that bootstraps)
                f.write("[server]\nuri = %s\n%s" % (server_uri, server_extra))
        super().__init__([binary, "--config", self.config] + list(extra), workdir, endpoint)

    def command(self, line, timeout=5.0):
        """One control-socket request; the decoded JSON answer."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.control)
        s.sendall(line.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        return json.loads(data)

    def wait_control(self):
        wait_for(lambda: os.path.exists(self.control), what=self.endpoint + " control socket")


def put_psk(server, ep, identity, key_hex):
    """Give endpoint ep a DTLS PSK on the server (/api/security/clients)."""
    status, body = server.request("PUT", "/api/security/clients", {
        "endpoint": ep, "tls": {"mode": "psk",
                                "details": {"identity": identity, "key": key_hex}}})
    assert status in (200, 201), (status, body)


class Events:
    """Server-sent events from /api/event, read in the background."""

    def __init__(self, server, ep=None):
        import threading
        self.events = []
        self.lock = threading.Lock()
        path = "/api/event" + ("?ep=" + ep if ep else "")
        self.resp = urllib.request.urlopen(server.url + path, timeout=60)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        kind, data = None, []
        try:
            for raw in self.resp:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif line == "" and kind:
                    with self.lock:
                        self.events.append((kind, json.loads("\n".join(data)) if data else None,
                                            time.monotonic()))
                    kind, data = None, []
        except (OSError, ValueError, AttributeError):
            pass  # closed by close(): http.client drops its file underneath us

    def of(self, kind):
        with self.lock:
            return [e for e in self.events if e[0] == kind]

    def close(self):
        try:
            self.resp.close()
        except OSError:
            pass


def workdir(prefix="sidelink-test-"):
    return tempfile.mkdtemp(prefix=prefix)
