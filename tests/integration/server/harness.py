"""Running sidelink-server in tests: free loopback ports, a config file,
start/stop with checks (exit status, sanitizer reports), the REST API over
urllib, and an SSE reader. Standard library only."""

import argparse
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

SERVER = None  # path of the binary, from --server or $SIDELINK_SERVER


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """One sidelink-server process on random loopback ports."""

    def __init__(self, db=":memory:", config=None, args=(), token=None):
        self.dir = tempfile.mkdtemp(prefix="sl-srv-")
        self.db = db
        self.config_text = config
        self.args = list(args)
        self.token = token
        self.proc = None
        self.coap_port = free_port(socket.SOCK_DGRAM)
        self.coaps_port = free_port(socket.SOCK_DGRAM)
        self.http_port = free_port(socket.SOCK_STREAM)
        self.log_path = os.path.join(self.dir, "server.log")

    @property
    def coap(self):
        return ("127.0.0.1", self.coap_port)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.http_port

    def start(self, timeout=10):
        cmd = [SERVER, "--coap", "127.0.0.1:%d" % self.coap_port,
               "--coaps", "127.0.0.1:%d" % self.coaps_port,
               "--http", "127.0.0.1:%d" % self.http_port, "--db", self.db, "--log-level", "debug"]
        text = "coap_ack_timeout_ms = 500\n" + (self.config_text or "")
        if self.token:
            text += "http_token = %s\n" % self.token
        cfg = os.path.join(self.dir, "server.conf")
        with open(cfg, "w") as f:
            f.write(text)
        cmd += ["--config", cfg] + self.args
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("sidelink-server exited with %d:\n%s" % (self.proc.returncode, self.read_log()))
            try:
                self.api("GET", "/api/server")
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.05)
        raise RuntimeError("sidelink-server did not come up:\n" + self.read_log())

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, expect=0):
        """Stop it and check it stopped cleanly (exit status, no sanitizer report)."""
        if not self.proc:
            return
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("sidelink-server did not stop:\n" + self.read_log())
        self.proc = None
        self.log.close()
        log = self.read_log()
        if "AddressSanitizer" in log or "LeakSanitizer" in log or "runtime error" in log:
            raise AssertionError("sanitizer report:\n" + log)
        if rc != expect:
            raise AssertionError("sidelink-server exited with %d:\n%s" % (rc, log))
        return log

    def kill(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.log.close()

    def api(self, method, path, body=None, token=None, raw=None, timeout=30):
        """(status, parsed JSON) of one REST call; body is JSON-encoded."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        tok = token if token is not None else self.token
        if tok:
            req.add_header("Authorization", "Bearer " + tok)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, text


class Events:
    """Reads /api/event in a thread; events go to a queue as (type, data)."""

    def __init__(self, server, query=""):
        import http.client
        self.q = queue.Queue()
        self.conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=60)
        headers = {"Authorization": "Bearer " + server.token} if server.token else {}
        self.conn.request("GET", "/api/event" + query, headers=headers)
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200, self.resp.status
        assert self.resp.getheader("Content-Type") == "text/event-stream"
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        etype, data = None, []
        try:
            while True:
                line = self.resp.fp.readline()
                if not line:
                    break
                line = line.decode().rstrip("\n")
                if line.startswith("event: "):
                    etype = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line == "":
                    if etype:
                        self.q.put((etype, json.loads("\n".join(data))))
                    etype, data = None, []
        except (OSError, ValueError):
            pass
        self.q.put(("CLOSED", None))

    def next(self, etype=None, timeout=10, match=None):
        """The next event (of a type, matching a predicate); fails on timeout."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("no %s event within %s s" % (etype or "", timeout))
            try:
                t, d = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if (etype is None or t == etype) and (match is None or match(d)):
                return t, d

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):
            pass
        self.resp.close()
        self.conn.close()


def wait_for(pred, timeout=10, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError("timed out waiting for " + what)


def main():
    global SERVER
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default=os.environ.get("SIDELINK_SERVER"))
    args, rest = ap.parse_known_args()
    if not args.server:
        sys.exit("give --server PATH (or SIDELINK_SERVER)")
    SERVER = os.path.abspath(args.server)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
