"""sidelink-server --bootstrap: bootstrap configurations over REST (CRUD,
strict validation, persistence across a restart), client-initiated
bootstrap (POST /bs?ep=: the exact sequence of Bootstrap-Delete,
Bootstrap-Write and Bootstrap-Finish requests and their decoded payloads,
TLV and SenML CBOR, Bootstrap-Discover), refusals (4.00 unknown endpoint,
4.03 for plain CoAP when the endpoint has credentials or the server
requires security, and over DTLS for another endpoint's PSK identity),
failures (a client error mid-way, Bootstrap-Finish answered 4.06, a silent
client, a new Bootstrap-Request replacing a session), and server-initiated
bootstrap (POST /api/bootstrap/{ep}/start).

The LwM2M client is scripted here (BsClient): it answers each request
itself, so the test sees exactly what the server sends."""

import os
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

import harness
from harness import Events, Server

import coap
import lwm2m
from coap import Message
from fake_lwm2m import FakeClient

PSK_KEY = b"bootstrap-secret"

CONFIG = {
    "toDelete": ["/0", "/1"],
    "security": {
        "0": {"uri": "coap://127.0.0.1:5683", "bootstrapServer": True, "securityMode": "NO_SEC"},
        "1": {"uri": "coaps://127.0.0.1:5684", "bootstrapServer": False, "securityMode": "PSK",
              "publicKeyOrId": "6465762D6964", "secretKey": "00112233445566778899AABBCCDDEEFF",
              "serverId": 1, "oscoreSecurityMode": 0},
    },
    "servers": {"0": {"shortId": 1, "lifetime": 300, "binding": "U", "notifIfDisabled": True,
                      "defaultMinPeriod": 5}},
    "acls": {"0": {"objectId": 3, "objectInstanceId": 0, "acl": {"1": 15, "0": 1}, "aclOwner": 1}},
    "oscore": {"0": {"masterSecret": "0102030405060708090a0b0c0d0e0f10", "senderId": "01",
                     "recipientId": "02", "masterSalt": "9e7ca92223786340", "idContext": "37cbf3210017a2d3"}},
}

# what GET returns for CONFIG: defaults filled in, hex in lowercase
CANONICAL = {
    "toDelete": ["/0", "/1"],
    "discover": False,
    "security": {
        "0": {"uri": "coap://127.0.0.1:5683", "bootstrapServer": True, "securityMode": "NO_SEC",
              "publicKeyOrId": "", "serverPublicKey": "", "secretKey": ""},
        "1": {"uri": "coaps://127.0.0.1:5684", "bootstrapServer": False, "securityMode": "PSK",
              "publicKeyOrId": "6465762d6964", "serverPublicKey": "",
              "secretKey": "00112233445566778899aabbccddeeff", "serverId": 1,
              "oscoreSecurityMode": 0},
    },
    "servers": {"0": {"shortId": 1, "lifetime": 300, "binding": "U", "notifIfDisabled": True,
                      "defaultMinPeriod": 5}},
    "acls": {"0": {"objectId": 3, "objectInstanceId": 0, "acl": {"1": 15, "0": 1}, "aclOwner": 1}},
    "oscore": {"0": {"masterSecret": "0102030405060708090a0b0c0d0e0f10", "senderId": "01",
                     "recipientId": "02", "masterSalt": "9e7ca92223786340",
                     "idContext": "37cbf3210017a2d3"}},
}

SMALL = {"servers": {"0": {"shortId": 7}},
         "security": {"0": {"uri": "coap://127.0.0.1:5683", "securityMode": "NO_SEC", "serverId": 7}}}


def tlv_resources(payload):
    """{rid: bytes or {ri: bytes}} of an instance-level TLV payload."""
    out = {}
    for kind, ident, val in lwm2m.tlv_parse(payload):
        if kind == lwm2m.TLV_RESOURCE:
            out[ident] = val
        elif kind == lwm2m.TLV_MULTIPLE:
            out[ident] = {ri: v for _, ri, v in val}
        else:
            raise AssertionError("unexpected TLV kind %d at instance level" % kind)
    return out


class BsClient:
    """A scripted LwM2M client: sends Bootstrap-Requests and answers the
    server's requests one by one, as the test says."""

    def __init__(self, server, name, secure=False):
        self.server = server.coap
        self.name = name
        self.ep = coap.Endpoint()
        self.inbox = []
        self.seen = {}  # mid -> reply bytes (None until answered)

    @property
    def port(self):
        return self.ep.addr[1]

    def close(self):
        self.ep.close()

    def bootstrap_request(self, extra=(), name=None, method=coap.POST, timeout=5):
        m = Message(coap.CON, method, self.ep.mid(), os.urandom(4)).add_path("/bs")
        if name is not False:
            m.add_query("ep=" + (name or self.name))
        m.add_query(*extra)
        self.ep.send(m, self.server)
        while True:
            r, _ = self.ep.recv(timeout)
            if r is None:
                return None
            if r.type == coap.ACK and r.mid == m.mid:
                return r
            if r.is_request():
                self._keep(r)

    def _keep(self, r):
        if r.mid in self.seen:
            if self.seen[r.mid] is not None:
                self.ep.send(self.seen[r.mid], self.server)  # its answer was lost: again
            return
        self.seen[r.mid] = None
        self.inbox.append(r)

    def next_request(self, timeout=5):
        """The next new request from the server, or None."""
        while not self.inbox:
            r, _ = self.ep.recv(timeout)
            if r is None:
                return None
            if r.is_request():
                self._keep(r)
        return self.inbox.pop(0)

    def answer(self, req, code, payload=b"", fmt=None):
        opts = [(coap.CONTENT_FORMAT, coap.uint_bytes(fmt))] if fmt is not None else []
        data = coap.ack_for(req, code, payload, opts).encode()
        self.seen[req.mid] = data
        self.ep.send(data, self.server)

    def expect(self, test, method, path, code=None, timeout=5):
        """Receive the next request, check method and path, answer it with
        code (2.02 for DELETE, 2.04 otherwise) unless code is False."""
        r = self.next_request(timeout)
        test.assertIsNotNone(r, "no %s %s from the server" % (coap.code_str(method), path))
        test.assertEqual((coap.code_str(r.code), r.path()), (coap.code_str(method), path), r)
        test.assertEqual(r.type, coap.CON)
        if code is not False:
            self.answer(r, code if code is not None else
                        (coap.DELETED if method == coap.DELETE else coap.CHANGED))
        return r


class BootstrapBase(unittest.TestCase):
    config = ""
    args = ("--bootstrap",)

    def setUp(self):
        self.srv = Server(config=self.config, args=self.args).start()
        self.events = Events(self.srv)
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()
        self.events.close()
        self.srv.stop()

    def client(self, name):
        c = BsClient(self.srv, name)
        self.clients.append(c)
        return c

    def put_config(self, ep, cfg):
        st, body = self.srv.api("PUT", "/api/bootstrap/" + ep, cfg)
        self.assertEqual(st, 200, body)
        return body

    def full_sequence(self, c, fmt=coap.TLV):
        """Expect and answer the whole sequence of CONFIG; check every payload."""
        c.expect(self, coap.DELETE, "/0")
        c.expect(self, coap.DELETE, "/1")
        writes = {}
        for path in ("/0/0", "/0/1", "/1/0", "/2/0", "/21/0"):
            r = c.expect(self, coap.PUT, path)
            self.assertEqual(r.uint(coap.CONTENT_FORMAT), fmt, path)
            writes[path] = r.payload
        fin = c.expect(self, coap.POST, "/bs")
        self.assertEqual(fin.payload, b"")
        self.assertEqual(fin.queries(), [])
        return writes

    def check_tlv_writes(self, writes):
        s0 = tlv_resources(writes["/0/0"])
        self.assertEqual(s0, {0: b"coap://127.0.0.1:5683", 1: b"\x01", 2: b"\x03", 3: b"", 4: b"",
                              5: b""})
        s1 = tlv_resources(writes["/0/1"])
        self.assertEqual(s1[0], b"coaps://127.0.0.1:5684")
        self.assertEqual(s1[1], b"\x00")
        self.assertEqual(lwm2m.tlv_int(s1[2]), 0)  # PSK
        self.assertEqual(s1[3], b"dev-id")
        self.assertEqual(s1[4], b"")
        self.assertEqual(s1[5], bytes.fromhex("00112233445566778899aabbccddeeff"))
        self.assertEqual(lwm2m.tlv_int(s1[10]), 1)
        self.assertEqual(s1[17], b"\x00\x15\x00\x00")  # objlnk 21:0
        self.assertEqual(sorted(s1), [0, 1, 2, 3, 4, 5, 10, 17])
        s = tlv_resources(writes["/1/0"])
        self.assertEqual(sorted(s), [0, 1, 2, 6, 7])
        self.assertEqual((lwm2m.tlv_int(s[0]), lwm2m.tlv_int(s[1]), lwm2m.tlv_int(s[2])), (1, 300, 5))
        self.assertEqual((s[6], s[7]), (b"\x01", b"U"))
        a = tlv_resources(writes["/2/0"])
        self.assertEqual((lwm2m.tlv_int(a[0]), lwm2m.tlv_int(a[1]), lwm2m.tlv_int(a[3])), (3, 0, 1))
        self.assertEqual({ri: lwm2m.tlv_int(v) for ri, v in a[2].items()}, {0: 1, 1: 15})
        o = tlv_resources(writes["/21/0"])
        self.assertEqual(o, {0: bytes.fromhex("0102030405060708090a0b0c0d0e0f10"), 1: b"\x01",
                             2: b"\x02", 5: bytes.fromhex("9e7ca92223786340"),
                             6: bytes.fromhex("37cbf3210017a2d3")})


class ConfigApi(BootstrapBase):
    def test_crud(self):
        st, body = self.srv.api("GET", "/api/bootstrap")
        self.assertEqual((st, body), (200, {}))
        self.assertEqual(self.put_config("dev1", CONFIG), CANONICAL)
        self.assertEqual(self.srv.api("GET", "/api/bootstrap/dev1"), (200, CANONICAL))
        self.assertEqual(self.srv.api("GET", "/api/bootstrap"), (200, {"dev1": CANONICAL}))
        # replaced as a whole
        small = self.put_config("dev1", SMALL)
        self.assertEqual(small["servers"], {"0": {"shortId": 7, "lifetime": 86400, "binding": "U",
                                                  "notifIfDisabled": True}})
        self.assertEqual(small["toDelete"], ["/0", "/1"])
        self.assertEqual((small["acls"], small["oscore"]), ({}, {}))
        self.assertEqual(self.srv.api("GET", "/api/bootstrap/dev1")[1], small)
        self.assertEqual(self.srv.api("GET", "/api/bootstrap/dev1/status"),
                         (200, {"endpoint": "dev1", "state": "none"}))
        st, body = self.srv.api("DELETE", "/api/bootstrap/dev1")
        self.assertEqual((st, body), (200, {"deleted": "dev1"}))
        for method, path in (("GET", "/api/bootstrap/dev1"), ("DELETE", "/api/bootstrap/dev1"),
                             ("POST", "/api/bootstrap/dev1/start"),
                             ("GET", "/api/bootstrap/dev1/status")):
            st, body = self.srv.api(method, path)
            self.assertEqual(st, 404, (method, path, body))
            self.assertEqual(body["error"], "not_found")
        self.assertEqual(self.srv.api("POST", "/api/bootstrap/dev1")[0], 405)
        self.assertEqual(self.srv.api("POST", "/api/bootstrap")[0], 405)
        self.assertEqual(self.srv.api("GET", "/api/bootstrap/dev1/start")[0], 405)
        self.assertEqual(self.srv.api("GET", "/api/bootstrap")[1], {})
        st, info = self.srv.api("GET", "/api/server")
        self.assertEqual(info["bootstrap"]["enabled"], True)
        self.assertEqual(info["bootstrap"]["configurations"], 0)

    def test_validation_names_the_field(self):
        def with_(path, value):
            import copy
            cfg = copy.deepcopy(CONFIG)
            node = cfg
            for k in path[:-1]:
                node = node[k]
            if value is KeyError:
                del node[path[-1]]
            else:
                node[path[-1]] = value
            return cfg

        cases = [
            (with_(["colour"], "blue"), 'unknown member "colour"'),
            (with_(["security", "1", "serverId"], KeyError), "security.1.serverId: is required"),
            (with_(["security", "1", "serverId"], 0), "security.1.serverId: must be an integer"),
            (with_(["security", "1", "serverId"], 9), "security.1.serverId: 9 is the shortId of no"),
            (with_(["security", "1", "securityMode"], "psk"), "security.1.securityMode"),
            (with_(["security", "1", "uri"], "coap://127.0.0.1:5684"), "security.1.uri: securityMode PSK"),
            (with_(["security", "1", "uri"], "http://x"), "security.1.uri"),
            (with_(["security", "1", "secretKey"], "abc"), "security.1.secretKey: must be a hex"),
            (with_(["security", "1", "publicKeyOrId"], KeyError), "security.1.publicKeyOrId: is required"),
            (with_(["security", "1", "oscoreSecurityMode"], 5), "security.1.oscoreSecurityMode"),
            (with_(["security", "1", "bootstrapServer"], True), "security.1.bootstrapServer: only one"),
            (with_(["security", "x"], {}), "security: \"x\" is not an instance ID"),
            (with_(["servers", "0", "binding"], "UU"), "servers.0.binding"),
            (with_(["servers", "0", "lifetime"], "300"), "servers.0.lifetime: must be an integer"),
            (with_(["servers", "1"], {"shortId": 1}), "servers: instances 0 and 1 have the same shortId"),
            (with_(["acls", "0", "acl"], {"1": 99}), "acls.0.acl"),
            (with_(["acls", "0", "aclOwner"], KeyError), "acls.0.aclOwner: is required"),
            (with_(["acls", "0", "objectId"], 65535), "acls.0.objectId"),
            (with_(["oscore", "0", "senderId"], "0102030405060708"), "oscore.0.senderId"),
            (with_(["oscore", "0", "recipientId"], "01"), "oscore.0.recipientId: must differ"),
            (with_(["oscore", "0", "masterSecret"], KeyError), "oscore.0.masterSecret: is required"),
            (with_(["toDelete"], ["/0/1/2"]), "toDelete: entry 0"),
            (with_(["toDelete"], "/0"), "toDelete"),
            (with_(["contentFormat"], "TEXT"), "contentFormat"),
            (with_(["discover"], "yes"), "discover: must be true or false"),
            ([1, 2], "must be a JSON object"),
        ]
        for cfg, msg in cases:
            st, body = self.srv.api("PUT", "/api/bootstrap/dev1", cfg)
            self.assertEqual(st, 400, (msg, body))
            self.assertEqual(body["error"], "bad_request")
            self.assertIn(msg, body["message"])
        st, body = self.srv.api("PUT", "/api/bootstrap/dev1", raw=b"{not json")
        self.assertEqual(st, 400)
        self.assertIn("bad JSON", body["message"])
        # nothing was stored
        self.assertEqual(self.srv.api("GET", "/api/bootstrap/dev1")[0], 404)
        # Leshan's name of the owner, and nulls for unset values, are taken
        cfg = with_(["acls", "0"], {"objectId": 3, "objectInstanceId": 0, "acl": {},
                                    "accessControlOwner": 2})
        cfg["servers"]["0"]["defaultMaxPeriod"] = None
        body = self.put_config("dev1", cfg)
        self.assertEqual(body["acls"]["0"], {"objectId": 3, "objectInstanceId": 0, "acl": {},
                                             "aclOwner": 2})
        self.assertNotIn("defaultMaxPeriod", body["servers"]["0"])


class Persistence(unittest.TestCase):
    def test_configs_and_last_address_survive_a_restart(self):
        d = tempfile.mkdtemp(prefix="sl-bs-")
        db = os.path.join(d, "store.db")
        srv = Server(db=db, args=("--bootstrap",)).start()
        c = None
        try:
            st, _ = srv.api("PUT", "/api/bootstrap/dev1", CONFIG)
            self.assertEqual(st, 200)
            st, _ = srv.api("PUT", "/api/bootstrap/dev2", SMALL)
            self.assertEqual(st, 200)
            self.assertEqual(srv.api("DELETE", "/api/bootstrap/dev2")[0], 200)
            c = BsClient(srv, "dev1")
            self.assertEqual(c.bootstrap_request().code, coap.CHANGED)
            r = c.next_request()
            self.assertEqual(r.path(), "/0")
            srv.stop()
            with sqlite3.connect(db) as con:
                rows = con.execute("SELECT endpoint, last_address FROM bootstrap_configs").fetchall()
                self.assertEqual(rows, [("dev1", "127.0.0.1:%d" % c.port)])
                audit = con.execute("SELECT actor, action, endpoint FROM audit_log "
                                    "ORDER BY id").fetchall()
                self.assertEqual(audit, [("rest", "BOOTSTRAP_CONFIG_PUT", "dev1"),
                                         ("rest", "BOOTSTRAP_CONFIG_PUT", "dev2"),
                                         ("rest", "BOOTSTRAP_CONFIG_DELETE", "dev2")])
            con.close()
            c.inbox, c.seen = [], {}
            srv.start()
            self.assertEqual(srv.api("GET", "/api/bootstrap"), (200, {"dev1": CANONICAL}))
            # the address of the last Bootstrap-Request came back too
            st, body = srv.api("POST", "/api/bootstrap/dev1/start")
            self.assertEqual(st, 202, body)
            self.assertEqual(body["address"], "127.0.0.1:%d" % c.port)
            self.assertEqual(body["initiator"], "server")
            r = c.next_request()
            self.assertIsNotNone(r)
            self.assertEqual((r.code, r.path()), (coap.DELETE, "/0"))
        finally:
            if c:
                c.close()
            srv.stop()
            shutil.rmtree(d, ignore_errors=True)


class Disabled(unittest.TestCase):
    def test_without_bootstrap_flag(self):
        srv = Server().start()
        try:
            st, body = srv.api("GET", "/api/bootstrap")
            self.assertEqual(st, 404)
            self.assertIn("--bootstrap", body["message"])
            self.assertEqual(srv.api("PUT", "/api/bootstrap/dev1", CONFIG)[0], 404)
            c = BsClient(srv, "dev1")
            r = c.bootstrap_request()
            c.close()
            self.assertEqual(r.code, coap.NOT_FOUND)
            self.assertEqual(srv.api("GET", "/api/server")[1]["bootstrap"]["enabled"], False)
        finally:
            srv.stop()

    def test_config_key(self):
        srv = Server(config="bootstrap = true\nbootstrap_timeout = 7\n").start()
        try:
            self.assertEqual(srv.api("GET", "/api/bootstrap"), (200, {}))
        finally:
            srv.stop()


class ClientInitiated(BootstrapBase):
    def test_sequence_tlv(self):
        self.put_config("dev1", CONFIG)
        c = self.client("dev1")
        r = c.bootstrap_request()
        self.assertEqual(r.code, coap.CHANGED, r)
        _, ev = self.events.next("BOOTSTRAP_STARTED")
        self.assertEqual(ev["endpoint"], "dev1")
        self.assertEqual(ev["initiator"], "client")
        self.assertEqual(ev["address"], "127.0.0.1:%d" % c.port)
        self.assertEqual(ev["format"], "TLV")
        self.assertEqual(ev["requests"], 8)
        writes = self.full_sequence(c)
        self.check_tlv_writes(writes)
        _, ev = self.events.next("BOOTSTRAP_FINISHED")
        self.assertEqual(ev["endpoint"], "dev1")
        self.assertIn("reason", ev)
        self.assertIsNone(c.next_request(timeout=0.5))
        st, body = self.srv.api("GET", "/api/bootstrap/dev1/status")
        self.assertEqual(body["state"], "finished")
        self.assertEqual((body["requests"], body["answered"]), (8, 8))
        info = self.srv.api("GET", "/api/server")[1]["bootstrap"]
        self.assertEqual((info["started"], info["finished"], info["failed"]), (1, 1, 0))

    def test_senml_cbor_when_preferred_and_discover(self):
        cfg = dict(CONFIG, discover=True, toDelete=["/"])
        self.put_config("dev1", cfg)
        c = self.client("dev1")
        self.assertEqual(c.bootstrap_request(extra=("pct=112",)).code, coap.CHANGED)
        r = c.expect(self, coap.GET, "/", code=False)
        self.assertEqual(r.uint(coap.ACCEPT), coap.LINK)
        c.answer(r, coap.CONTENT, b'</>;lwm2m=1.1,</0/0>;ssid=101,</1>,</3/0>', fmt=coap.LINK)
        c.expect(self, coap.DELETE, "/")
        recs = {}
        for path in ("/0/0", "/0/1", "/1/0", "/2/0", "/21/0"):
            w = c.expect(self, coap.PUT, path)
            self.assertEqual(w.uint(coap.CONTENT_FORMAT), coap.SENML_CBOR)
            for name, v in lwm2m.senml_decode(w.payload):
                self.assertTrue(name.startswith(path + "/"), (path, name))
                recs[name] = v
        c.expect(self, coap.POST, "/bs")
        self.assertEqual(recs["/0/1/0"], "coaps://127.0.0.1:5684")
        self.assertEqual(recs["/0/1/3"], b"dev-id")
        self.assertEqual(recs["/0/1/10"], 1)
        self.assertEqual(recs["/0/1/17"], "21:0")
        self.assertEqual(recs["/0/0/1"], True)
        self.assertEqual(recs["/1/0/1"], 300)
        self.assertEqual(recs["/1/0/7"], "U")
        self.assertEqual((recs["/2/0/2/0"], recs["/2/0/2/1"]), (1, 15))
        self.assertEqual(recs["/21/0/0"], bytes.fromhex("0102030405060708090a0b0c0d0e0f10"))
        _, ev = self.events.next("BOOTSTRAP_FINISHED")
        urls = [l["url"] for l in ev["objectLinks"]]
        self.assertIn("/0/0", urls)

    def test_refusals(self):
        self.put_config("dev1", SMALL)
        c = self.client("dev1")
        r = c.bootstrap_request(name="nobody")
        self.assertEqual(r.code, coap.BAD_REQUEST)
        self.assertIn(b"unknown endpoint", r.payload)
        self.assertEqual(c.bootstrap_request(name=False).code, coap.BAD_REQUEST)
        self.assertEqual(c.bootstrap_request(extra=("pct=x",)).code, coap.BAD_REQUEST)
        self.assertEqual(c.bootstrap_request(method=coap.GET).code, coap.METHOD_NOT_ALLOWED)
        m = Message(coap.CON, coap.POST, c.ep.mid(), b"\x01").add_path("/bs/x").add_query("ep=dev1")
        self.assertEqual(c.ep.request(m, self.srv.coap).code, coap.NOT_FOUND)
        # credentials: only the secure transport may speak for dev1
        st, _ = self.srv.api("PUT", "/api/security/clients", {
            "endpoint": "dev1", "tls": {"mode": "psk", "details": {"identity": "dev1-id",
                                                                   "key": PSK_KEY.hex()}}})
        self.assertEqual(st, 200)
        r = c.bootstrap_request()
        self.assertEqual(r.code, coap.FORBIDDEN)
        self.assertIn(b"credentials", r.payload)
        # nothing was sent, no session
        self.assertIsNone(c.next_request(timeout=0.5))
        self.assertEqual(self.srv.api("GET", "/api/bootstrap/dev1/status")[1]["state"], "none")

    def test_client_error_midway_fails_the_session(self):
        self.put_config("dev1", CONFIG)
        c = self.client("dev1")
        self.assertEqual(c.bootstrap_request().code, coap.CHANGED)
        c.expect(self, coap.DELETE, "/0")
        c.expect(self, coap.DELETE, "/1")
        c.expect(self, coap.PUT, "/0/0")
        r = c.expect(self, coap.PUT, "/0/1", code=False)
        c.answer(r, coap.BAD_REQUEST, b"no such mode", fmt=coap.TEXT)
        _, ev = self.events.next("BOOTSTRAP_FAILED")
        self.assertEqual(ev["endpoint"], "dev1")
        self.assertEqual(ev["step"], "Bootstrap-Write /0/1")
        self.assertEqual(ev["code"], "4.00")
        self.assertIn("no such mode", ev["reason"])
        self.assertIsNone(c.next_request(timeout=1.0))  # nothing after the failure
        body = self.srv.api("GET", "/api/bootstrap/dev1/status")[1]
        self.assertEqual((body["state"], body["step"], body["code"]), ("failed", "Bootstrap-Write /0/1", "4.00"))

    def test_delete_error_fails_the_session(self):
        self.put_config("dev1", SMALL)
        c = self.client("dev1")
        self.assertEqual(c.bootstrap_request().code, coap.CHANGED)
        c.expect(self, coap.DELETE, "/0", code=coap.METHOD_NOT_ALLOWED)
        _, ev = self.events.next("BOOTSTRAP_FAILED")
        self.assertEqual((ev["step"], ev["code"]), ("Bootstrap-Delete /0", "4.05"))
        self.assertIsNone(c.next_request(timeout=1.0))

    def test_finish_refused(self):
        self.put_config("dev1", dict(SMALL, toDelete=[]))
        c = self.client("dev1")
        self.assertEqual(c.bootstrap_request().code, coap.CHANGED)
        c.expect(self, coap.PUT, "/0/0")
        c.expect(self, coap.PUT, "/1/0")
        c.expect(self, coap.POST, "/bs", code=coap.NOT_ACCEPTABLE)
        _, ev = self.events.next("BOOTSTRAP_FAILED")
        self.assertIn("client refused the configuration", ev["reason"])
        self.assertEqual((ev["step"], ev["code"]), ("Bootstrap-Finish", "4.06"))
        info = self.srv.api("GET", "/api/server")[1]["bootstrap"]
        self.assertEqual((info["finished"], info["failed"]), (0, 1))

    def test_new_request_replaces_the_session(self):
        self.put_config("dev1", SMALL)
        c = self.client("dev1")
        self.assertEqual(c.bootstrap_request().code, coap.CHANGED)
        first = c.expect(self, coap.DELETE, "/0", code=False)  # not answered
        self.events.next("BOOTSTRAP_STARTED")
        self.assertEqual(c.bootstrap_request().code, coap.CHANGED)
        _, ev = self.events.next("BOOTSTRAP_FAILED")
        self.assertIn("replaced", ev["reason"])
        self.events.next("BOOTSTRAP_STARTED")
        c.answer(first, coap.DELETED)  # too late: the server has forgotten it
        second = c.expect(self, coap.DELETE, "/0")
        self.assertNotEqual(second.token, first.token)
        c.expect(self, coap.DELETE, "/1")
        c.expect(self, coap.PUT, "/0/0")
        c.expect(self, coap.PUT, "/1/0")
        c.expect(self, coap.POST, "/bs")
        self.events.next("BOOTSTRAP_FINISHED")


class SilentClient(BootstrapBase):
    config = "coap_max_retransmit = 1\nbootstrap_timeout = 3\n"

    def test_timeout_fails_the_session(self):
        self.put_config("dev1", SMALL)
        c = self.client("dev1")
        self.assertEqual(c.bootstrap_request().code, coap.CHANGED)
        r = c.next_request()
        self.assertEqual(r.path(), "/0")
        _, ev = self.events.next("BOOTSTRAP_FAILED", timeout=10)
        self.assertEqual(ev["step"], "Bootstrap-Delete /0")
        self.assertIn("timeout", ev["reason"])


class RequireSecurity(BootstrapBase):
    config = "require_security = true\n"

    def test_plain_coap_refused(self):
        self.put_config("dev1", SMALL)
        c = self.client("dev1")
        r = c.bootstrap_request()
        self.assertEqual(r.code, coap.FORBIDDEN)
        self.assertIn(b"secure transport", r.payload)


class ServerInitiated(BootstrapBase):
    def test_start_after_a_bootstrap_request(self):
        self.put_config("dev1", CONFIG)
        c = self.client("dev1")
        self.assertEqual(c.bootstrap_request().code, coap.CHANGED)
        self.full_sequence(c)
        self.events.next("BOOTSTRAP_FINISHED")
        st, body = self.srv.api("POST", "/api/bootstrap/dev1/start")
        self.assertEqual(st, 202, body)
        self.assertEqual((body["endpoint"], body["state"], body["initiator"]),
                         ("dev1", "running", "server"))
        _, ev = self.events.next("BOOTSTRAP_STARTED")
        self.assertEqual(ev["initiator"], "server")
        # a second start while it runs is a conflict
        self.assertEqual(self.srv.api("POST", "/api/bootstrap/dev1/start")[0], 409)
        self.check_tlv_writes(self.full_sequence(c))
        _, ev = self.events.next("BOOTSTRAP_FINISHED")
        self.assertEqual(ev["initiator"], "server")

    def test_start_towards_a_registration(self):
        self.put_config("reg1", SMALL)
        st, body = self.srv.api("POST", "/api/bootstrap/reg1/start")
        self.assertEqual(st, 404)
        self.assertIn("no known address", body["message"])
        fc = FakeClient(self.srv.coap, "reg1", {(3, 0, 0): "x"}).start()
        try:
            self.assertEqual(fc.register().code, coap.CREATED)
            fc.mode = "silent"
            st, body = self.srv.api("POST", "/api/bootstrap/reg1/start")
            self.assertEqual(st, 202, body)
            self.assertEqual(body["address"], "127.0.0.1:%d" % fc.addr[1])
            harness.wait_for(lambda: any(m.path() == "/0" and m.code == coap.DELETE
                                         for m in list(fc.requests)), what="Bootstrap-Delete /0")
        finally:
            fc.close()


class Dtls(BootstrapBase):
    """Over DTLS only the holder of the endpoint's PSK identity may ask;
    libcoap's coap-client stands in for a client's first message."""

    def coap_client(self, identity, ep):
        tool = shutil.which("coap-client-openssl")
        self.assertIsNotNone(tool, "coap-client-openssl (Debian libcoap3-bin) is required")
        uri = "coaps://127.0.0.1:%d/bs?ep=%s" % (self.srv.coaps_port, ep)
        p = subprocess.run([tool, "-m", "post", "-u", identity, "-k", PSK_KEY.decode(), "-B", "3",
                            "-v", "0", uri], capture_output=True, timeout=30)
        return (p.stdout + p.stderr).decode(errors="replace")

    def test_psk_identity_decides(self):
        for ep, ident in (("sec1", "sec1-id"), ("sec2", "sec2-id")):
            st, _ = self.srv.api("PUT", "/api/security/clients", {
                "endpoint": ep, "tls": {"mode": "psk", "details": {"identity": ident,
                                                                   "key": PSK_KEY.hex()}}})
            self.assertEqual(st, 200)
        self.put_config("sec1", SMALL)
        # sec2's identity cannot ask for sec1's configuration
        out = self.coap_client("sec2-id", "sec1")
        self.assertIn("4.03", out)
        self.assertIn("not this endpoint", self.srv.read_log())
        # sec1's can; the session then goes to coap-client, which is gone
        self.coap_client("sec1-id", "sec1")
        _, ev = self.events.next("BOOTSTRAP_STARTED", timeout=10)
        self.assertTrue(ev["address"].startswith("coaps://127.0.0.1:"), ev)
        self.assertEqual(ev["endpoint"], "sec1")


if __name__ == "__main__":
    harness.main()
