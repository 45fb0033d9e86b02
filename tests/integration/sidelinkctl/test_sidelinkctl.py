#!/usr/bin/env python3
"""Integration test of sidelinkctl (DESIGN 5, docs/sidelinkctl.md).

Runs the built sidelinkctl against a fake sidelink-server REST API (http.server
on 127.0.0.1, a random port) and a fake client control socket (a Unix stream
server in a temporary directory), and checks that every command sends the
right method, path, query and body, prints the right output and exits with
the right code.

    test_sidelinkctl.py [PATH-TO-SIDELINKCTL] [unittest options]

The binary comes from the first argument, else $SIDELINKCTL. Standard library
only.
"""

import json
import os
import queue
import re
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SIDELINKCTL = None  # set in main()
TIME_RE = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d"


# ---- fake REST server --------------------------------------------------------

class Recorded:
    """One request as the fake server saw it."""

    def __init__(self, method, target, headers, body):
        split = urlsplit(target)
        self.method = method
        self.path = split.path
        self.raw_query = split.query
        self.query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        self.headers = headers
        self.body = body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"{self.method} {self.path}?{self.raw_query} {self.body!r}"


class FakeRestServer:
    """Routes (METHOD, PATH) to canned answers; GET /api/event streams what
    push_event() is given until the stream is ended or the server stops."""

    def __init__(self):
        self.requests = []
        self.routes = {}
        self.lock = threading.Lock()
        self.streams = []          # one queue per open event stream
        self.stream_opened = threading.Condition(self.lock)
        self.stopping = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rec = Recorded(self.command, self.path, dict(self.headers.items()), body)
                with fake.lock:
                    fake.requests.append(rec)
                    route = fake.routes.get((rec.method, rec.path))
                if route is None and rec.method == "GET" and rec.path in ("/api/event", "/api/events"):
                    fake.serve_stream(self)
                    return
                if route is None:
                    route = (404, {"error": "not_found", "message": f"no route for {rec.method} {rec.path}"})
                if callable(route):
                    route = route(rec)
                status, answer = route[0], route[1]
                data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = handle_any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def serve_stream(self, handler):
        q = queue.Queue()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        handler.end_headers()
        handler.wfile.flush()
        with self.lock:
            self.streams.append(q)
            self.stream_opened.notify_all()
        try:
            while not self.stopping:
                try:
                    item = q.get(timeout=0.1)
                except queue.Empty:
                    continue
                if item is None:   # end the stream
                    break
                handler.wfile.write(item)
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with self.lock:
                self.streams.remove(q)

    def wait_stream(self, timeout=10):
        with self.lock:
            ok = self.stream_opened.wait_for(lambda: self.streams, timeout)
        if not ok:
            raise AssertionError("no event stream opened")

    def push_raw(self, data):
        with self.lock:
            for q in self.streams:
                q.put(data)

    def push_event(self, name, data):
        text = data if isinstance(data, str) else json.dumps(data)
        lines = "".join(f"data: {line}\n" for line in text.split("\n"))
        self.push_raw(f"event: {name}\n{lines}\n".encode())

    def end_streams(self):
        self.push_raw(None)

    def reset(self):
        with self.lock:
            self.requests = []
            self.routes = {}
        self.end_streams()

    def route(self, method, path, status, answer):
        with self.lock:
            self.routes[(method, path)] = (status, answer)

    def wait_request(self, method, path, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for r in self.requests:
                    if r.method == method and r.path == path:
                        return r
            time.sleep(0.02)
        raise AssertionError(f"no {method} {path}; got {self.requests}")

    def stop(self):
        self.stopping = True
        self.httpd.shutdown()
        self.httpd.server_close()


# ---- fake control socket -----------------------------------------------------

class FakeControl:
    """A client daemon's control socket: records each request line and answers
    with what answer(line) gives (bytes, sent as they are)."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "control.sock")
        self.lines = []
        self.answer = lambda line: b'{"ok":true}\n'
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                line = self.rfile.readline()
                fake.lines.append(line)
                reply = fake.answer(line)
                if reply:
                    self.wfile.write(reply)

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        self.server = Server(self.path, Handler)
        os.chmod(self.path, 0o600)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# ---- running sidelinkctl -----------------------------------------------------

def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIDELINK_")}
    env.update(extra or {})
    return env


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class LineReader:
    """Reads a process's stdout lines in a thread, for streaming commands."""

    def __init__(self, stream):
        self.q = queue.Queue()
        self.thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self.thread.start()

    def _run(self, stream):
        for line in stream:
            self.q.put(line)
        self.q.put(None)

    def line(self, timeout=10):
        try:
            line = self.q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no output line in time")
        if line is None:
            raise AssertionError("output ended")
        return line.rstrip("\n")

    def nothing_for(self, seconds):
        try:
            line = self.q.get(timeout=seconds)
        except queue.Empty:
            return True
        raise AssertionError(f"unexpected output {line!r}")


class CtlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = FakeRestServer()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.control = FakeControl(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.control.stop()
        cls.tmp.cleanup()

    def setUp(self):
        self.srv.reset()
        self.control.lines = []
        self.control.answer = lambda line: b'{"ok":true}\n'

    def run_ctl(self, *args, server=True, env=None, timeout=30):
        argv = [SIDELINKCTL]
        if server:
            argv += ["--server", self.srv.url]
        argv += list(args)
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=clean_env(env))

    def start_ctl(self, *args):
        argv = [SIDELINKCTL, "--server", self.srv.url] + list(args)
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=clean_env())
        return proc, LineReader(proc.stdout)

    def finish(self, proc, timeout=10):
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("sidelinkctl did not stop")
        err = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        return proc.returncode, err

    def assertExit(self, res, code):
        self.assertEqual(res.returncode, code, f"stdout={res.stdout!r} stderr={res.stderr!r}")

    def only_request(self):
        self.assertEqual(len(self.srv.requests), 1, self.srv.requests)
        return self.srv.requests[0]


def content(node, status="CONTENT(205)"):
    return {"status": status, "valid": True, "success": True, "failure": False, "content": node}


def done(status):
    return {"status": status, "valid": True, "success": True, "failure": False}


REG1 = {
    "endpoint": "dev1", "registrationId": "a1b2", "registrationDate": 1714557600000,
    "lastUpdate": 1714557660000, "address": "127.0.0.1:56830", "lwM2mVersion": "1.1",
    "lifetime": 300, "bindingMode": "U", "rootPath": "/", "secure": False,
    "objectLinks": [{"url": "/", "attributes": {"rt": "\"oma.lwm2m\""}},
                    {"url": "/1/0", "attributes": {}}, {"url": "/3/0", "attributes": {}},
                    {"url": "/3303/0", "attributes": {}}, {"url": "/3303/1", "attributes": {}}],
    "additionalRegistrationAttributes": {"c2c": "coaps://127.0.0.1:5700"},
}
REG2 = {
    "endpoint": "lamp-2", "registrationId": "c3d4", "registrationDate": "2024-05-01T12:00:00+02:00",
    "address": "127.0.0.2", "port": 5683, "lwM2mVersion": "1.1", "lifetime": 86400,
    "bindingMode": ["U"], "objectLinks": [{"url": "/3311/0", "attributes": {"ver": "1.1"}}],
}
DEVICE_INSTANCE = {"id": 0, "kind": "instance", "resources": [
    {"id": 0, "kind": "singleResource", "type": "STRING", "value": "Sidelink"},
    {"id": 7, "kind": "multiResource", "type": "INTEGER", "values": {"0": 3800, "1": 5000}},
    {"id": 13, "kind": "singleResource", "type": "TIME", "value": 1714557600000},
]}


# ---- usage and help -----------------------------------------------------------

class TestUsage(CtlTest):
    def test_global_help(self):
        res = self.run_ctl("--help", server=False)
        self.assertExit(res, 0)
        for word in ("Exit codes", "--server", "--token", "--json", "--timeout", "observe", "bindings",
                     "security", "client --control"):
            self.assertIn(word, res.stdout)
        for code in range(6):
            self.assertRegex(res.stdout, rf"\n  {code}  ")

    def test_version(self):
        res = self.run_ctl("--version", server=False)
        self.assertExit(res, 0)
        self.assertTrue(res.stdout.startswith("sidelinkctl "))

    def test_every_command_has_help(self):
        for cmd in (["clients"], ["client"], ["read"], ["write"], ["exec"], ["create"], ["delete"],
                    ["discover"], ["attributes"], ["observe"], ["events"], ["composite-read"],
                    ["composite-write"], ["bindings"], ["bindings", "list"], ["bindings", "add"],
                    ["bindings", "delete"], ["security"], ["security", "list"], ["security", "set"],
                    ["security", "delete"], ["client", "--control", "/x"]):
            res = self.run_ctl(*cmd, "--help")
            self.assertExit(res, 0)
            self.assertIn("Usage: sidelinkctl", res.stdout, cmd)
        self.assertEqual(self.srv.requests, [])

    def test_bad_usage_exits_2_and_sends_nothing(self):
        cases = [
            [],
            ["nosuchcommand"],
            ["read"],
            ["read", "dev1"],
            ["read", "dev1", "/3/0/0", "extra"],
            ["read", "dev1", "/a/b"],
            ["read", "dev1", "/3/0/0/0/0"],
            ["read", "dev1", "/3/70000"],
            ["read", "dev1", "/3/0/0", "--bogus"],
            ["read", "dev1", "/3/0/0", "--format"],
            ["read", "dev1", "/3/0/0", "--format", "T L V"],
            ["read", "dev1", "/3/0/0", "--json"],   # global options go before the command
            ["write", "dev1", "/3311", "1"],
            ["write", "dev1", "/3311/0", "not json"],
            ["write", "dev1", "/3311/0", "42"],
            ["write", "dev1", "/3311/0", "{}", "--type", "string"],
            ["write", "dev1", "/3311/0/5851", "abc", "--type", "integer"],
            ["write", "dev1", "/3311/0/5851", "1.5", "--type", "nosuchtype"],
            ["write", "dev1", "/3311/0/5850", "yes", "--type", "boolean"],
            ["write", "dev1", "/1/0/1", "abc", "--type", "opaque"],
            ["write", "dev1", "/1/0/1", "3-0", "--type", "objlnk"],
            ["write", "dev1", "/1/0/1", "1e999", "--type", "float"],
            ["exec", "dev1", "/3/0"],
            ["create", "dev1", "/3311/0/1"],
            ["create", "dev1", "/3311/2", '{"id":3,"kind":"instance","resources":[]}'],
            ["create", "dev1", "/3311", "[1,"],
            ["attributes", "dev1", "/3/0"],
            ["attributes", "dev1", "/3/0", "foo=1"],
            ["attributes", "dev1", "/3/0", "pmin=-1"],
            ["attributes", "dev1", "/3/0", "gt=abc"],
            ["attributes", "dev1", "/3/0", "edge=2"],
            ["attributes", "dev1", "/3/0", "hqmax=1.5"],
            ["composite-read", "dev1"],
            ["composite-write", "dev1", "[]"],
            ["composite-write", "dev1", "{"],
            ["bindings"],
            ["bindings", "frob"],
            ["bindings", "add", "dev1/3347/0/5500", "dev2:/3311/0/5850"],
            ["bindings", "add", "dev1:/3347/0", "dev2:/3311/0/5850"],
            ["bindings", "add", "dev1:/3347/0/5500", "dev2:/3311/0/5850", "--via", "pigeon"],
            ["bindings", "delete"],
            ["security", "set", "dev1"],
            ["security", "set", "dev1", "--psk-identity", "id1"],
            ["security", "set", "dev1", "--psk-identity", "id1", "--psk-key", "abc"],
            ["security", "set", "dev1", "--psk-identity", "id1", "--psk-key", "zz"],
            ["security", "set", "dev1", "--oscore", "--sid", "01", "--rid", "02"],
            ["security", "set", "dev1", "--oscore", "--sid", "01", "--rid", "02", "--msec", ""],
            ["security", "set", "dev1", "--oscore", "--psk-identity", "x", "--sid", "01", "--rid", "02",
             "--msec", "00"],
            ["security", "delete"],
            ["events", "extra"],
            ["observe", "dev1"],
            ["observe", "dev1", "/x"],
            ["clients", "extra"],
            ["--timeout", "0", "clients"],
            ["--timeout", "abc", "clients"],
            ["--bogus", "clients"],
            ["--server"],
        ]
        for args in cases:
            res = self.run_ctl(*args)
            self.assertExit(res, 2)
            self.assertTrue(res.stderr.strip(), args)
        res = self.run_ctl("--server", "ftp://127.0.0.1:1", "clients", server=False)
        self.assertExit(res, 2)
        self.assertEqual(self.srv.requests, [])

    def test_unreachable_server_exits_3(self):
        url = f"http://127.0.0.1:{closed_port()}"
        for args in (["clients"], ["read", "dev1", "/3/0/0"], ["events"], ["observe", "dev1", "/3/0/0"],
                     ["bindings", "list"]):
            res = self.run_ctl("--server", url, *args, server=False)
            self.assertExit(res, 3)
            self.assertIn("error:", res.stderr)

    def test_server_from_environment_and_default(self):
        self.srv.route("GET", "/api/clients", 200, [])
        res = self.run_ctl("clients", server=False, env={"SIDELINK_SERVER": self.srv.url + "/"})
        self.assertExit(res, 0)
        self.assertEqual(self.only_request().path, "/api/clients")
        self.assertEqual(res.stdout.split(), ["ENDPOINT", "ADDRESS", "LIFETIME", "BINDING", "REGISTERED",
                                              "OBJECTS"])

    def test_token(self):
        self.srv.route("GET", "/api/clients", 200, [])
        self.assertExit(self.run_ctl("--token", "s3cret", "clients"), 0)
        self.assertEqual(self.only_request().headers.get("Authorization"), "Bearer s3cret")
        self.srv.reset()
        self.srv.route("GET", "/api/clients", 200, [])
        self.assertExit(self.run_ctl("clients", env={"SIDELINK_TOKEN": "envtoken"}), 0)
        self.assertEqual(self.only_request().headers.get("Authorization"), "Bearer envtoken")
        self.srv.reset()
        self.srv.route("GET", "/api/clients", 200, [])
        self.assertExit(self.run_ctl("clients"), 0)
        self.assertNotIn("Authorization", self.only_request().headers)

    def test_unauthorized_exits_4(self):
        self.srv.route("GET", "/api/clients", 401, {"error": "unauthorized", "message": "bad token"})
        res = self.run_ctl("--token", "wrong", "clients")
        self.assertExit(res, 4)
        self.assertIn("error: bad token", res.stderr)


# ---- registrations -------------------------------------------------------------

class TestClients(CtlTest):
    def test_clients_table(self):
        self.srv.route("GET", "/api/clients", 200, [REG1, REG2])
        res = self.run_ctl("clients")
        self.assertExit(res, 0)
        lines = res.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["ENDPOINT", "ADDRESS", "LIFETIME", "BINDING", "REGISTERED",
                                            "OBJECTS"])
        row1, row2 = lines[1].split(), lines[2].split()
        self.assertEqual(row1[:4], ["dev1", "127.0.0.1:56830", "300", "U"])
        self.assertRegex(row1[4], r"^2024-05-01T\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
        self.assertEqual(row1[5], "1,3,3303")
        self.assertEqual(row2, ["lamp-2", "127.0.0.2:5683", "86400", "U", "2024-05-01T12:00:00+02:00", "3311"])
        # aligned: each column starts at the same offset on every line
        self.assertEqual(lines[0].index("ADDRESS"), lines[1].index("127.0.0.1"))
        self.assertEqual(lines[0].index("OBJECTS"), lines[2].index("3311"))
        req = self.only_request()
        self.assertEqual((req.method, req.path, req.body), ("GET", "/api/clients", ""))

    def test_clients_json_is_the_servers(self):
        self.srv.route("GET", "/api/clients", 200, [REG1, REG2])
        res = self.run_ctl("--json", "clients")
        self.assertExit(res, 0)
        self.assertEqual(json.loads(res.stdout), [REG1, REG2])

    def test_client(self):
        self.srv.route("GET", "/api/clients/dev1", 200, REG1)
        res = self.run_ctl("client", "dev1")
        self.assertExit(res, 0)
        out = res.stdout
        self.assertRegex(out, r"endpoint +dev1\n")
        self.assertRegex(out, r"registration id +a1b2\n")
        self.assertRegex(out, r"address +127\.0\.0\.1:56830\n")
        self.assertRegex(out, r"lifetime +300\n")
        self.assertRegex(out, r"objects +</>;rt=\"oma.lwm2m\" </1/0> </3/0> </3303/0> </3303/1>\n")
        self.assertRegex(out, r"attribute +c2c=coaps://127.0.0.1:5700\n")

    def test_client_sidelink_fields(self):
        reg = dict(REG1, c2c=["coaps://127.0.0.1:5700", "coap://127.0.0.1:5701"], queueMode=False,
                   expirationTime=1714557960000)
        del reg["additionalRegistrationAttributes"]
        self.srv.route("GET", "/api/clients/dev1", 200, reg)
        res = self.run_ctl("client", "dev1")
        self.assertExit(res, 0)
        self.assertRegex(res.stdout, r"\nc2c +coaps://127\.0\.0\.1:5700 coap://127\.0\.0\.1:5701\n")
        self.assertRegex(res.stdout, r"\nexpires +2024-05-01T\d\d:06:00[+-]\d\d:\d\d\n")
        self.assertRegex(res.stdout, r"\nqueue mode +false\n")

    def test_client_escapes_endpoint(self):
        self.srv.route("GET", "/api/clients/urn%3Adev%201", 200, REG1)
        res = self.run_ctl("client", "urn:dev 1")
        self.assertExit(res, 0)
        self.assertEqual(self.srv.requests[0].path, "/api/clients/urn%3Adev%201")

    def test_unknown_client_exits_4(self):
        self.srv.route("GET", "/api/clients/ghost", 404,
                       {"error": "not_found", "message": "no registered client with endpoint 'ghost'"})
        res = self.run_ctl("client", "ghost")
        self.assertExit(res, 4)
        self.assertIn("error: no registered client with endpoint 'ghost'", res.stderr)
        self.assertEqual(res.stdout, "")
        res = self.run_ctl("--json", "client", "ghost")
        self.assertExit(res, 4)
        self.assertEqual(json.loads(res.stdout)["error"], "not_found")


# ---- device operations -----------------------------------------------------------

class TestRead(CtlTest):
    def test_single_resource_prints_the_value_alone(self):
        self.srv.route("GET", "/api/clients/dev1/3/0/0", 200,
                       content({"id": 0, "kind": "singleResource", "type": "STRING", "value": "Sidelink"}))
        res = self.run_ctl("read", "dev1", "/3/0/0")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "Sidelink\n")
        req = self.only_request()
        self.assertEqual((req.method, req.raw_query), ("GET", ""))

    def test_format_timeout_and_path_normalisation(self):
        self.srv.route("GET", "/api/clients/dev1/3303/0/5700", 200,
                       content({"id": 5700, "kind": "singleResource", "type": "FLOAT", "value": 21.5}))
        res = self.run_ctl("--timeout", "7", "read", "dev1", "3303/00/5700/", "--format", "senml_cbor")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "21.5\n")
        self.assertEqual(self.only_request().query, {"format": "senml_cbor", "timeout": "7"})

    def test_value_kinds(self):
        cases = [
            ({"id": 1, "kind": "singleResource", "type": "BOOLEAN", "value": True}, "true"),
            ({"id": 1, "kind": "singleResource", "type": "INTEGER", "value": -42}, "-42"),
            ({"id": 1, "kind": "singleResource", "type": "FLOAT", "value": 0.1}, "0.1"),
            ({"id": 1, "kind": "singleResource", "type": "OPAQUE", "value": "00ff"}, "00ff"),
            ({"id": 1, "kind": "singleResource", "type": "OBJLNK",
              "value": {"objectId": 3, "objectInstanceId": 0}}, "3:0"),
            ({"id": 1, "kind": "singleResource", "type": "STRING", "value": "two\u00a0words"}, "two\u00a0words"),
        ]
        for node, text in cases:
            self.srv.route("GET", "/api/clients/dev1/9/0/1", 200, content(node))
            res = self.run_ctl("read", "dev1", "/9/0/1")
            self.assertExit(res, 0)
            self.assertEqual(res.stdout, text + "\n")

    def test_instance_prints_a_table(self):
        self.srv.route("GET", "/api/clients/dev1/3/0", 200, content(DEVICE_INSTANCE))
        res = self.run_ctl("read", "dev1", "/3/0")
        self.assertExit(res, 0)
        lines = [line.split(None, 2) for line in res.stdout.splitlines()]
        self.assertEqual(lines[0], ["PATH", "TYPE", "VALUE"])
        self.assertEqual(lines[1], ["/3/0/0", "STRING", "Sidelink"])
        self.assertEqual(lines[2], ["/3/0/7/0", "INTEGER", "3800"])
        self.assertEqual(lines[3], ["/3/0/7/1", "INTEGER", "5000"])
        self.assertEqual(lines[4], ["/3/0/13", "TIME", "1714557600000"])

    def test_object_prints_every_instance(self):
        obj = {"id": 3303, "kind": "obj", "instances": [
            {"id": 0, "kind": "instance", "resources": [
                {"id": 5700, "kind": "singleResource", "type": "FLOAT", "value": 20.5}]},
            {"id": 1, "kind": "instance", "resources": [
                {"id": 5700, "kind": "singleResource", "type": "FLOAT", "value": 19}]}]}
        self.srv.route("GET", "/api/clients/dev1/3303", 200, content(obj))
        res = self.run_ctl("read", "dev1", "/3303")
        self.assertExit(res, 0)
        self.assertEqual([line.split() for line in res.stdout.splitlines()[1:]],
                         [["/3303/0/5700", "FLOAT", "20.5"], ["/3303/1/5700", "FLOAT", "19"]])

    def test_json(self):
        answer = content(DEVICE_INSTANCE)
        self.srv.route("GET", "/api/clients/dev1/3/0", 200, answer)
        res = self.run_ctl("--json", "read", "dev1", "/3/0")
        self.assertExit(res, 0)
        self.assertEqual(json.loads(res.stdout), answer)

    def test_device_refusal_exits_1(self):
        self.srv.route("GET", "/api/clients/dev1/3/0/99", 200,
                       {"status": "NOT_FOUND(404)", "valid": True, "success": False, "failure": True})
        res = self.run_ctl("read", "dev1", "/3/0/99")
        self.assertExit(res, 1)
        self.assertIn("NOT_FOUND(404)", res.stderr)
        self.assertEqual(res.stdout, "")
        res = self.run_ctl("--json", "read", "dev1", "/3/0/99")
        self.assertExit(res, 1)
        self.assertEqual(json.loads(res.stdout)["status"], "NOT_FOUND(404)")

    def test_device_timeout_exits_5(self):
        self.srv.route("GET", "/api/clients/dev1/3/0/0", 504,
                       {"error": "timeout", "message": "dev1 did not answer within 5 s"})
        res = self.run_ctl("read", "dev1", "/3/0/0")
        self.assertExit(res, 5)
        self.assertIn("error: dev1 did not answer within 5 s", res.stderr)

    def test_http_errors_exit_4(self):
        self.srv.route("GET", "/api/clients/ghost/3/0/0", 404,
                       {"error": "not_found", "message": "unknown endpoint ghost"})
        res = self.run_ctl("read", "ghost", "/3/0/0")
        self.assertExit(res, 4)
        self.assertIn("error: unknown endpoint ghost", res.stderr)
        self.srv.route("GET", "/api/clients/dev1/3/0/0", 500, "internal trouble\nmore")
        res = self.run_ctl("read", "dev1", "/3/0/0")
        self.assertExit(res, 4)
        self.assertIn("error: internal trouble", res.stderr)
        self.srv.route("GET", "/api/clients/dev1/3/0/0", 400, {"error": "bad_request"})
        res = self.run_ctl("read", "dev1", "/3/0/0")
        self.assertExit(res, 4)
        self.assertIn("error: bad_request", res.stderr)

    def test_invalid_json_answer_exits_1(self):
        self.srv.route("GET", "/api/clients/dev1/3/0/0", 200, "{not json")
        res = self.run_ctl("read", "dev1", "/3/0/0")
        self.assertExit(res, 1)
        self.assertIn("invalid JSON", res.stderr)


class TestWrite(CtlTest):
    def write(self, path, *args, expect=0):
        self.srv.route("PUT", "/api/clients/dev1" + path, 200, done("CHANGED(204)"))
        res = self.run_ctl("write", "dev1", path, *args)
        self.assertExit(res, expect)
        if expect == 0:
            self.assertEqual(res.stdout, "CHANGED(204)\n")
        req = self.only_request()
        self.assertEqual(req.method, "PUT")
        self.assertEqual(req.headers.get("Content-Type"), "application/json")
        self.srv.reset()
        return req

    def test_guessed_types(self):
        cases = [
            ("true", "BOOLEAN", True), ("false", "BOOLEAN", False), ("42", "INTEGER", 42),
            ("-5", "INTEGER", -5), ("21.5", "FLOAT", 21.5), ("1e3", "FLOAT", 1000.0),
            ("warm white", "STRING", "warm white"), ("True", "STRING", "True"),
            ("18446744073709551615", "UNSIGNED_INTEGER", "18446744073709551615"),
        ]
        for text, typ, value in cases:
            req = self.write("/3311/0/5706", text)
            self.assertEqual(req.json(), {"id": 5706, "kind": "singleResource", "type": typ, "value": value},
                             text)
        self.assertEqual(self.write("/3311/0/5706", "1.1").body.count("1.1"), 1)
        self.assertIn('"value":1.1}', self.write("/3311/0/5706", "1.1").body)

    def test_explicit_types(self):
        cases = [
            (["42", "--type", "string"], "STRING", "42"),
            (["--type=integer", "7"], "INTEGER", 7),
            (["3", "--type", "FLOAT"], "FLOAT", 3.0),
            (["1", "--type", "boolean"], "BOOLEAN", True),
            (["DEADbeef", "--type", "opaque"], "OPAQUE", "deadbeef"),
            (["3:0", "--type", "objlnk"], "OBJLNK", {"objectId": 3, "objectInstanceId": 0}),
            (["1714557600000", "--type", "time"], "TIME", 1714557600000),
            (["5", "--type", "unsigned_integer"], "UNSIGNED_INTEGER", 5),
        ]
        for args, typ, value in cases:
            req = self.write("/1/0/1", *args)
            self.assertEqual(req.json(), {"id": 1, "kind": "singleResource", "type": typ, "value": value}, args)

    def test_negative_value_and_double_dash(self):
        req = self.write("/3311/0/5851", "--", "-x")
        self.assertEqual(req.json()["value"], "-x")

    def test_resource_instance(self):
        req = self.write("/3/0/7/1", "3700")
        self.assertEqual(req.json(), {"id": 1, "kind": "resourceInstance", "type": "INTEGER", "value": 3700})

    def test_node_literal_at_a_resource(self):
        node = {"id": 7, "kind": "multiResource", "type": "INTEGER", "values": {"0": 1, "1": 2}}
        req = self.write("/3/0/7", json.dumps(node))
        self.assertEqual(req.json(), node)

    def test_instance_literal_and_partial(self):
        node = {"id": 0, "kind": "instance", "resources": [
            {"id": 5850, "kind": "singleResource", "type": "BOOLEAN", "value": True}]}
        req = self.write("/3311/0", json.dumps(node))
        self.assertEqual(req.json(), node)
        self.assertEqual(req.raw_query, "")
        req = self.write("/3311/0", json.dumps(node["resources"]), "--partial", "--format", "TLV")
        self.assertEqual(req.json(), node)
        self.assertEqual(req.query, {"format": "TLV", "replace": "false"})

    def test_refused(self):
        self.srv.route("PUT", "/api/clients/dev1/3/0/0", 200,
                       {"status": "METHOD_NOT_ALLOWED(405)", "success": False})
        res = self.run_ctl("write", "dev1", "/3/0/0", "x")
        self.assertExit(res, 1)
        self.assertIn("METHOD_NOT_ALLOWED(405)", res.stderr)


class TestOtherOperations(CtlTest):
    def test_exec(self):
        self.srv.route("POST", "/api/clients/dev1/3/0/4", 200, done("CHANGED(204)"))
        res = self.run_ctl("exec", "dev1", "/3/0/4")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "CHANGED(204)\n")
        self.assertEqual(self.only_request().body, "")
        self.srv.reset()
        self.srv.route("POST", "/api/clients/dev1/3/0/4", 200, done("CHANGED(204)"))
        res = self.run_ctl("--timeout", "3", "exec", "dev1", "/3/0/4", "0='on'", "1")
        self.assertExit(res, 0)
        req = self.only_request()
        self.assertEqual(req.body, "0='on' 1")
        self.assertEqual(req.headers.get("Content-Type"), "text/plain")
        self.assertEqual(req.query, {"timeout": "3"})

    def test_create(self):
        self.srv.route("POST", "/api/clients/dev1/3311", 200,
                       {"status": "CREATED(201)", "success": True, "location": "/3311/1"})
        node = {"kind": "instance", "resources": [
            {"id": 5850, "kind": "singleResource", "type": "BOOLEAN", "value": False}]}
        res = self.run_ctl("create", "dev1", "/3311", json.dumps(node))
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "/3311/1\n")
        self.assertEqual(self.only_request().json(), node)
        self.srv.reset()
        self.srv.route("POST", "/api/clients/dev1/3311", 200, done("CREATED(201)"))
        res = self.run_ctl("create", "dev1", "/3311/2", json.dumps(node["resources"]))
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "CREATED(201)\n")
        self.assertEqual(self.only_request().json(), dict(node, id=2))
        self.srv.reset()
        self.srv.route("POST", "/api/clients/dev1/3311", 200, done("CREATED(201)"))
        self.assertExit(self.run_ctl("create", "dev1", "/3311"), 0)
        self.assertEqual(self.only_request().json(), {"kind": "instance", "resources": []})

    def test_delete(self):
        self.srv.route("DELETE", "/api/clients/dev1/3311/1", 200, done("DELETED(202)"))
        res = self.run_ctl("delete", "dev1", "/3311/1")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "DELETED(202)\n")
        self.assertEqual(self.only_request().method, "DELETE")

    def test_discover(self):
        self.srv.route("GET", "/api/clients/dev1/3/0/discover", 200, {
            "status": "CONTENT(205)", "success": True,
            "objectLinks": [{"url": "/3/0", "attributes": {"pmax": "60"}},
                            {"url": "/3/0/1", "attributes": {}},
                            {"url": "/3/0/7", "attributes": {"dim": 2}}]})
        res = self.run_ctl("discover", "dev1", "/3/0")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "</3/0>;pmax=60\n</3/0/1>\n</3/0/7>;dim=2\n")
        self.srv.route("GET", "/api/clients/dev1/3/0/discover", 200, {
            "status": "CONTENT(205)", "success": True, "content": '</3/0>;pmin=10,</3/0/1>;title="a,b"'})
        res = self.run_ctl("discover", "dev1", "/3/0")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, '</3/0>;pmin=10\n</3/0/1>;title="a,b"\n')

    def test_attributes(self):
        self.srv.route("PUT", "/api/clients/dev1/3303/0/5700/attributes", 200, done("CHANGED(204)"))
        res = self.run_ctl("attributes", "dev1", "/3303/0/5700", "pmin=5", "pmax=60", "gt=30.5", "lt=-2",
                           "st=0.5", "epmin", "epmax=0")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "CHANGED(204)\n")
        req = self.only_request()
        self.assertEqual(req.method, "PUT")
        self.assertEqual(req.raw_query, "pmin=5&pmax=60&gt=30.5&lt=-2&st=0.5&epmin&epmax=0")
        self.srv.reset()
        self.srv.route("PUT", "/api/clients/dev1/3303/0/attributes", 200, done("CHANGED(204)"))
        res = self.run_ctl("--timeout", "4", "attributes", "dev1", "/3303/0", "edge=1", "con=0", "hqmax=3")
        self.assertExit(res, 0)
        self.assertEqual(self.only_request().raw_query, "edge=1&con=0&hqmax=3&timeout=4")

    def test_composite_read(self):
        self.srv.route("GET", "/api/clients/dev1/composite", 200, content({
            "/3/0/0": {"id": 0, "kind": "singleResource", "type": "STRING", "value": "Sidelink"},
            "/1/0/1": {"id": 1, "kind": "singleResource", "type": "INTEGER", "value": 300}}))
        res = self.run_ctl("composite-read", "dev1", "/3/0/0", "1/0/1", "--format", "SENML_CBOR")
        self.assertExit(res, 0)
        self.assertEqual([line.split() for line in res.stdout.splitlines()],
                         [["PATH", "TYPE", "VALUE"], ["/3/0/0", "STRING", "Sidelink"],
                          ["/1/0/1", "INTEGER", "300"]])
        req = self.only_request()
        self.assertEqual(req.raw_query, "paths=/3/0/0,/1/0/1&format=SENML_CBOR")

    def test_composite_write(self):
        self.srv.route("PUT", "/api/clients/dev1/composite", 200, done("CHANGED(204)"))
        nodes = {"/3311/0/5850": {"id": 5850, "kind": "singleResource", "type": "BOOLEAN", "value": True},
                 "/3311/0/5851": {"id": 5851, "kind": "singleResource", "type": "INTEGER", "value": 80}}
        res = self.run_ctl("composite-write", "dev1", json.dumps(nodes))
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "CHANGED(204)\n")
        self.assertEqual(self.only_request().json(), nodes)


# ---- bindings and security ---------------------------------------------------------

class TestBindings(CtlTest):
    def test_list(self):
        self.srv.route("GET", "/api/bindings", 200, [
            {"id": 1, "source": "dev1:/3347/0/5500", "target": "dev2:/3311/0/5850", "via": "server"},
            {"id": 12, "source": "dev3:/3347/0/5500", "target": "dev2:/3311/1/5850"}])
        res = self.run_ctl("bindings", "list")
        self.assertExit(res, 0)
        self.assertEqual([line.split() for line in res.stdout.splitlines()],
                         [["ID", "SOURCE", "TARGET", "VIA"],
                          ["1", "dev1:/3347/0/5500", "dev2:/3311/0/5850", "server"],
                          ["12", "dev3:/3347/0/5500", "dev2:/3311/1/5850", "-"]])

    def test_add(self):
        self.srv.route("POST", "/api/bindings", 201,
                       {"id": 7, "source": "dev1:/3347/0/5500", "target": "dev2:/3311/0/5850"})
        res = self.run_ctl("bindings", "add", "dev1:/3347/0/5500", "dev2:/3311/00/5850/")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "7\n")
        req = self.only_request()
        self.assertEqual(req.json(), {"source": "dev1:/3347/0/5500", "target": "dev2:/3311/0/5850"})
        self.srv.reset()
        self.srv.route("POST", "/api/bindings", 201, {"id": "b8"})
        res = self.run_ctl("bindings", "add", "urn:dev:1:/3347/0/5500", "dev2:/3311/0/5850", "--via", "c2c")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "b8\n")
        self.assertEqual(self.only_request().json(), {"source": "urn:dev:1:/3347/0/5500",
                                                      "target": "dev2:/3311/0/5850", "via": "c2c"})
        self.srv.reset()
        self.srv.route("POST", "/api/bindings", 201, {"id": 9})
        res = self.run_ctl("--json", "bindings", "add", "dev1:/3347/0/5500", "dev2:/3/0/7/1")
        self.assertExit(res, 0)
        self.assertEqual(json.loads(res.stdout), {"id": 9})
        self.assertEqual(self.only_request().json()["target"], "dev2:/3/0/7/1")

    def test_add_to_unknown_endpoint(self):
        self.srv.route("POST", "/api/bindings", 404, {"error": "not_found", "message": "unknown endpoint dev9"})
        res = self.run_ctl("bindings", "add", "dev9:/3347/0/5500", "dev2:/3311/0/5850")
        self.assertExit(res, 4)
        self.assertIn("unknown endpoint dev9", res.stderr)

    def test_delete(self):
        self.srv.route("DELETE", "/api/bindings/7", 204, "")
        res = self.run_ctl("bindings", "delete", "7")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "")
        self.assertEqual(self.only_request().method, "DELETE")
        res = self.run_ctl("bindings", "delete", "99")
        self.assertExit(res, 4)


class TestSecurity(CtlTest):
    def test_list_hides_keys(self):
        self.srv.route("GET", "/api/security/clients", 200, [
            {"endpoint": "dev1", "tls": {"mode": "psk", "details": {"identity": "dev1-id", "key": "0011"}}},
            {"endpoint": "dev4", "oscore": {"sid": "01", "rid": "02", "msec": "aabb", "msalt": "cc"}}])
        res = self.run_ctl("security", "list")
        self.assertExit(res, 0)
        self.assertEqual([line.split(None, 2) for line in res.stdout.splitlines()],
                         [["ENDPOINT", "MODE", "DETAILS"], ["dev1", "psk", "identity=dev1-id"],
                          ["dev4", "oscore", "sid=01 rid=02"]])
        self.assertNotIn("aabb", res.stdout)
        res = self.run_ctl("--json", "security", "list")
        self.assertIn("aabb", res.stdout)

    def test_set_psk(self):
        self.srv.route("PUT", "/api/security/clients", 200, "")
        res = self.run_ctl("security", "set", "dev1", "--psk-identity", "dev1-id", "--psk-key", "00A1ff")
        self.assertExit(res, 0)
        self.assertEqual(self.only_request().json(), {
            "endpoint": "dev1", "tls": {"mode": "psk", "details": {"identity": "dev1-id", "key": "00a1ff"}}})

    def test_set_oscore(self):
        self.srv.route("PUT", "/api/security/clients", 200, "")
        res = self.run_ctl("security", "set", "dev4", "--oscore", "--sid", "01", "--rid", "", "--msec",
                           "0102030405060708090A0B0C0D0E0F10", "--msalt", "9e7ca92223786340")
        self.assertExit(res, 0)
        self.assertEqual(self.only_request().json(), {"endpoint": "dev4", "oscore": {
            "sid": "01", "rid": "", "msec": "0102030405060708090a0b0c0d0e0f10", "msalt": "9e7ca92223786340"}})
        self.srv.reset()
        self.srv.route("PUT", "/api/security/clients", 200, "")
        self.assertExit(self.run_ctl("security", "set", "dev5", "--oscore", "--sid", "", "--rid", "01",
                                     "--msec", "00"), 0)
        self.assertNotIn("msalt", self.only_request().json()["oscore"])

    def test_conflict_exits_4(self):
        self.srv.route("PUT", "/api/security/clients", 409,
                       {"error": "conflict", "message": "PSK identity dev1-id is taken by dev1"})
        res = self.run_ctl("security", "set", "dev2", "--psk-identity", "dev1-id", "--psk-key", "00")
        self.assertExit(res, 4)
        self.assertIn("error: PSK identity dev1-id is taken by dev1", res.stderr)

    def test_delete(self):
        self.srv.route("DELETE", "/api/security/clients/dev1", 200, "")
        self.assertExit(self.run_ctl("security", "delete", "dev1"), 0)
        self.assertEqual(self.only_request().method, "DELETE")
        res = self.run_ctl("security", "delete", "nobody")
        self.assertExit(res, 4)


# ---- event streams -------------------------------------------------------------------

def notification(ep, res, node):
    return {"ep": ep, "kind": "single", "res": res, "val": node}


def temp_node(value):
    return {"id": 5700, "kind": "singleResource", "type": "FLOAT", "value": value}


class TestObserve(CtlTest):
    OBS = "/api/clients/dev1/3303/0/5700/observe"

    def test_observe_streams_until_sigint(self):
        self.srv.route("POST", self.OBS, 200, content(temp_node(20.5)))
        self.srv.route("DELETE", self.OBS, 200, "")
        proc, out = self.start_ctl("observe", "dev1", "/3303/0/5700", "--format", "tlv")
        self.assertRegex(out.line(), rf"^{TIME_RE} /3303/0/5700 20\.5$")
        # the stream was open before the observation started
        methods = [(r.method, r.path) for r in self.srv.requests]
        self.assertEqual(methods, [("GET", "/api/event"), ("POST", self.OBS)])
        self.assertEqual(self.srv.requests[0].query, {"ep": "dev1"})
        self.assertEqual(self.srv.requests[0].headers.get("Accept"), "text/event-stream")
        self.assertEqual(self.srv.requests[1].query, {"format": "tlv"})
        # other endpoints, other paths and other events are not ours (the
        # fake server's stream queue may lag its request log under load)
        self.srv.wait_stream()
        self.srv.push_event("NOTIFICATION", notification("dev2", "/3303/0/5700", temp_node(1.0)))
        self.srv.push_event("NOTIFICATION", notification("dev1", "/3303/1/5700", temp_node(2.0)))
        self.srv.push_event("UPDATED", {"registration": REG1, "update": {}})
        self.srv.push_event("NOTIFICATION", notification("dev1", "/3303/0/5700", temp_node(21.25)))
        self.assertRegex(out.line(), rf"^{TIME_RE} /3303/0/5700 21\.25$")
        # an event split across writes, CRLF line ends and a keep-alive comment
        data = json.dumps(notification("dev1", "/3303/0/5700", temp_node(-3)))
        self.srv.push_raw(b": keep-alive\r\n\r\nevent: NOTIFI")
        time.sleep(0.1)
        self.srv.push_raw(f"CATION\r\ndata: {data[:10]}".encode())
        time.sleep(0.1)
        self.srv.push_raw(f"{data[10:]}\r\n\r\n".encode())
        self.assertRegex(out.line(), rf"^{TIME_RE} /3303/0/5700 -3$")
        proc.send_signal(signal.SIGINT)
        code, err = self.finish(proc)
        self.assertEqual(code, 0, err)
        self.srv.wait_request("DELETE", self.OBS)

    def test_observe_instance_prints_a_line_per_resource(self):
        self.srv.route("POST", "/api/clients/dev1/3/0/observe", 200, content(DEVICE_INSTANCE))
        self.srv.route("DELETE", "/api/clients/dev1/3/0/observe", 200, "")
        proc, out = self.start_ctl("observe", "dev1", "/3/0")
        lines = [out.line() for _ in range(4)]
        self.assertEqual([line.split(" ", 1)[1] for line in lines],
                         ["/3/0/0 Sidelink", "/3/0/7/0 3800", "/3/0/7/1 5000", "/3/0/13 1714557600000"])
        proc.send_signal(signal.SIGTERM)
        code, err = self.finish(proc)
        self.assertEqual(code, 0, err)
        self.srv.wait_request("DELETE", "/api/clients/dev1/3/0/observe")

    def test_observe_json(self):
        answer = content(temp_node(20.5))
        self.srv.route("POST", self.OBS, 200, answer)
        self.srv.route("DELETE", self.OBS, 200, "")
        proc = subprocess.Popen([SIDELINKCTL, "--server", self.srv.url, "--json", "observe", "dev1",
                                 "/3303/0/5700"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=clean_env())
        out = LineReader(proc.stdout)
        self.assertEqual(json.loads(out.line()), answer)
        event = notification("dev1", "/3303/0/5700", temp_node(22.5))
        self.srv.wait_stream()
        self.srv.push_event("NOTIFICATION", event)
        self.assertEqual(json.loads(out.line()), event)
        proc.send_signal(signal.SIGINT)
        code, err = self.finish(proc)
        self.assertEqual(code, 0, err)

    def test_observe_refused_by_the_device(self):
        self.srv.route("POST", self.OBS, 200, {"status": "NOT_FOUND(404)", "success": False})
        proc, out = self.start_ctl("observe", "dev1", "/3303/0/5700")
        code, err = self.finish(proc)
        self.assertEqual(code, 1)
        self.assertIn("NOT_FOUND(404)", err)
        self.assertFalse([r for r in self.srv.requests if r.method == "DELETE"])

    def test_observe_unknown_endpoint_and_timeout(self):
        self.srv.route("POST", self.OBS, 404, {"error": "not_found", "message": "unknown endpoint dev1"})
        res = self.run_ctl("observe", "dev1", "/3303/0/5700")
        self.assertExit(res, 4)
        self.assertIn("error: unknown endpoint dev1", res.stderr)
        self.srv.route("POST", self.OBS, 504, {"error": "timeout", "message": "no answer"})
        res = self.run_ctl("observe", "dev1", "/3303/0/5700")
        self.assertExit(res, 5)

    def test_event_stream_refused(self):
        self.srv.route("GET", "/api/event", 404, {"error": "not_found", "message": "unknown endpoint dev1"})
        res = self.run_ctl("observe", "dev1", "/3303/0/5700")
        self.assertExit(res, 4)
        self.assertEqual([r.method for r in self.srv.requests], ["GET"])

    def test_server_ends_the_stream(self):
        self.srv.route("POST", self.OBS, 200, content(temp_node(20.5)))
        self.srv.route("DELETE", self.OBS, 200, "")
        proc, out = self.start_ctl("observe", "dev1", "/3303/0/5700")
        out.line()
        self.srv.end_streams()
        code, err = self.finish(proc)
        self.assertEqual(code, 1)
        self.assertIn("closed the event stream", err)


class TestEvents(CtlTest):
    def test_events(self):
        proc, out = self.start_ctl("events")
        self.srv.wait_stream()
        self.assertEqual(self.srv.requests[0].raw_query, "")
        self.srv.push_event("REGISTRATION", REG1)
        self.assertRegex(out.line(), rf"^{TIME_RE} REGISTRATION dev1 127\.0\.0\.1:56830$")
        self.srv.push_event("UPDATED", {"registration": REG2, "update": {"lifetime": 60}})
        self.assertRegex(out.line(), rf"^{TIME_RE} UPDATED lamp-2 127\.0\.0\.2:5683$")
        self.srv.push_event("NOTIFICATION", notification("dev1", "/3303/0/5700", temp_node(20.5)))
        self.assertRegex(out.line(), rf"^{TIME_RE} NOTIFICATION dev1 /3303/0/5700 20\.5$")
        self.srv.push_event("NOTIFICATION", {"ep": "dev1", "kind": "composite", "val": {
            "/3/0/0": {"id": 0, "kind": "singleResource", "type": "STRING", "value": "x"},
            "/3/0/9": {"id": 9, "kind": "singleResource", "type": "INTEGER", "value": 80}}})
        self.assertRegex(out.line(), rf"^{TIME_RE} NOTIFICATION dev1 /3/0/0 x$")
        self.assertRegex(out.line(), rf"^{TIME_RE} NOTIFICATION dev1 /3/0/9 80$")
        self.srv.push_event("DEREGISTRATION", REG1)
        self.assertRegex(out.line(), rf"^{TIME_RE} DEREGISTRATION dev1 127\.0\.0\.1:56830$")
        proc.send_signal(signal.SIGINT)
        code, err = self.finish(proc)
        self.assertEqual(code, 0, err)
        self.assertEqual(len(self.srv.requests), 1)

    def test_events_json_and_ep(self):
        proc = subprocess.Popen([SIDELINKCTL, "--server", self.srv.url, "--json", "events", "--ep", "dev 1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())
        out = LineReader(proc.stdout)
        self.srv.wait_stream()
        self.assertEqual(self.srv.requests[0].raw_query, "ep=dev%201")
        self.srv.push_event("REGISTRATION", REG1)
        self.assertEqual(json.loads(out.line()), {"event": "REGISTRATION", "data": REG1})
        self.srv.push_event("COAPLOG", "not json")
        self.assertEqual(json.loads(out.line()), {"event": "COAPLOG", "data": "not json"})
        proc.send_signal(signal.SIGINT)
        code, err = self.finish(proc)
        self.assertEqual(code, 0, err)

    def test_events_stream_ended(self):
        proc, out = self.start_ctl("events")
        self.srv.wait_stream()
        self.srv.end_streams()
        code, err = self.finish(proc)
        self.assertEqual(code, 1)
        self.assertIn("closed the event stream", err)


# ---- control socket ----------------------------------------------------------------

class TestControl(CtlTest):
    def ctl(self, *words, json_out=False):
        args = (["--json"] if json_out else []) + ["client", "--control", self.control.path] + list(words)
        return self.run_ctl(*args, server=False)

    def test_lines_sent(self):
        cases = [
            (["status"], b"status\n"),
            (["objects"], b"objects\n"),
            (["read", "3311/0/5850"], b"read /3311/0/5850\n"),
            (["write", "/3311/0/5706", "warm white"], b"write /3311/0/5706 warm white\n"),
            (["write", "/3311/0/5706", "warm", "white"], b"write /3311/0/5706 warm white\n"),
            (["exec", "/3/0/4"], b"exec /3/0/4\n"),
            (["exec", "/3/0/4", "0='x'"], b"exec /3/0/4 0='x'\n"),
            (["press"], b"press\n"),
            (["press", "1"], b"press 1\n"),
            (["c2c", "read", "peer-1", "/3/0"], b"c2c read peer-1 /3/0\n"),
        ]
        for words, line in cases:
            self.control.lines = []
            res = self.ctl(*words)
            self.assertExit(res, 0)
            self.assertEqual(self.control.lines, [line])

    def test_value_is_printed(self):
        self.control.answer = lambda line: b'{"ok":true,"value":true}\n'
        res = self.ctl("read", "/3311/0/5850")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "true\n")
        self.control.answer = lambda line: b'{"ok":true,"value":"warm white"}\n'
        self.assertEqual(self.ctl("read", "/3311/0/5706").stdout, "warm white\n")

    def test_members_without_value(self):
        self.control.answer = lambda line: b'{"ok":true,"registered":true,"servers":1,"endpoint":"dev1"}\n'
        res = self.ctl("status")
        self.assertExit(res, 0)
        self.assertEqual([line.split() for line in res.stdout.splitlines()],
                         [["registered", "true"], ["servers", "1"], ["endpoint", "dev1"]])

    def test_json_prints_the_answer_line(self):
        line = b'{"ok":true,"value":21.5,"extra":[1,2]}'
        self.control.answer = lambda _: line + b"\n"
        res = self.ctl("read", "/3303/0/5700", json_out=True)
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, line.decode() + "\n")

    def test_answer_without_newline_then_close(self):
        self.control.answer = lambda line: b'{"ok":true,"value":1}'
        res = self.ctl("read", "/3303/0/5700")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "1\n")

    def test_refusal_exits_1(self):
        self.control.answer = lambda line: b'{"ok":false,"error":"no such resource /3/0/99"}\n'
        res = self.ctl("read", "/3/0/99")
        self.assertExit(res, 1)
        self.assertIn("error: no such resource /3/0/99", res.stderr)
        self.assertEqual(res.stdout, "")
        res = self.ctl("read", "/3/0/99", json_out=True)
        self.assertExit(res, 1)
        self.assertFalse(json.loads(res.stdout)["ok"])

    def test_bad_answers_exit_1(self):
        for reply in (b"not json\n", b"[1]\n", b""):
            self.control.answer = lambda line, r=reply: r
            res = self.ctl("status")
            self.assertExit(res, 1)

    def test_unreachable_socket_exits_3(self):
        res = self.run_ctl("client", "--control", os.path.join(self.tmp.name, "nope.sock"), "status",
                           server=False)
        self.assertExit(res, 3)
        self.assertIn("error:", res.stderr)

    def test_server_settings_do_not_matter(self):
        res = self.run_ctl("client", "--control", self.control.path, "status", server=False,
                           env={"SIDELINK_SERVER": "not-a-url", "SIDELINK_TOKEN": ""})
        self.assertExit(res, 0)

    def test_no_answer_in_time_exits_5(self):
        self.control.answer = lambda line: time.sleep(12) or b""
        started = time.time()
        res = self.run_ctl("--timeout", "1", "client", "--control", self.control.path, "status", server=False)
        self.assertExit(res, 5)
        self.assertIn("no answer", res.stderr)
        self.assertLess(time.time() - started, 12)

    def test_usage(self):
        for words in (["client", "--control"], ["client", "--control", self.control.path],
                      ["client", "--control", self.control.path, "read"],
                      ["client", "--control", self.control.path, "read", "/x"],
                      ["client", "--control", self.control.path, "write", "/3/0/1"],
                      ["client", "--control", self.control.path, "press", "a"],
                      ["client", "--control", self.control.path, "status", "now"],
                      ["client", "--control", self.control.path, "--frob"],
                      ["client", "--control", self.control.path, "write", "/3/0/1", "a\nb"],
                      ["client", "--control", self.control.path, "write", "/3/0/1", "x" * 5000]):
            res = self.run_ctl(*words, server=False)
            self.assertExit(res, 2)
        self.assertEqual(self.control.lines, [])

    def test_control_equals_form_and_longest_line(self):
        value = "v" * (4096 - len("write /3/0/1 \n"))
        res = self.run_ctl(f"--control={self.control.path}", server=False)  # not a command: usage
        self.assertExit(res, 2)
        res = self.run_ctl("client", f"--control={self.control.path}", "write", "/3/0/1", value, server=False)
        self.assertExit(res, 0)
        self.assertEqual(len(self.control.lines[0]), 4096)


def main():
    global SIDELINKCTL
    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        SIDELINKCTL = os.path.abspath(args.pop(0))
    else:
        SIDELINKCTL = os.environ.get("SIDELINKCTL")
    if not SIDELINKCTL or not os.access(SIDELINKCTL, os.X_OK):
        print("usage: test_sidelinkctl.py PATH-TO-SIDELINKCTL (or set SIDELINKCTL)", file=sys.stderr)
        return 2
    prog = unittest.main(argv=[sys.argv[0]] + args, exit=False, verbosity=2)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
