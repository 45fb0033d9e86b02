"""sidelink-server registration interface: Register, Update, De-register,
lifetime expiry, re-registration, bad queries and payloads, message-layer
deduplication, malformed CoAP, and libcoap's coap-client as a peer."""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

import harness
from harness import Events, Server, wait_for

import coap
import lwm2m
from coap import Message
from fake_lwm2m import FakeClient


class Registration(unittest.TestCase):
    def setUp(self):
        self.srv = Server().start()
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()
        self.srv.stop()

    def client(self, name, values=None):
        c = FakeClient(self.srv.coap, name, values or {(3, 0, 0): "Sidelink", (1, 0, 1): 300}).start()
        self.clients.append(c)
        return c

    def test_register_update_deregister(self):
        ev = Events(self.srv)
        c = self.client("dev1")
        r = c.register(lifetime=120, extra=("c2c=coaps://127.0.0.1:5690",))
        self.assertEqual(r.code, coap.CREATED)
        self.assertTrue(c.location.startswith("/rd/"), c.location)
        _, reg = ev.next("REGISTRATION")
        self.assertEqual(reg["endpoint"], "dev1")
        self.assertEqual(reg["registrationId"], c.location[4:])
        st, body = self.srv.api("GET", "/api/clients/dev1")
        self.assertEqual(st, 200)
        self.assertEqual(body["lifetime"], 120)
        self.assertEqual(body["lwM2mVersion"], "1.1")
        self.assertEqual(body["bindingMode"], "U")
        self.assertEqual(body["c2c"], ["coaps://127.0.0.1:5690"])
        self.assertEqual(body["address"], "127.0.0.1:%d" % c.addr[1])
        urls = [l["url"] for l in body["objectLinks"]]
        self.assertEqual(urls, ["/", "/1/0", "/3/0"])
        st, lst = self.srv.api("GET", "/api/clients")
        self.assertEqual([x["endpoint"] for x in lst], ["dev1"])

        # Update: new lifetime and objects
        r = c.update(lifetime=60, payload=lwm2m.links(["/1/0", "/3/0", "/3303/0"]))
        self.assertEqual(r.code, coap.CHANGED)
        _, upd = ev.next("UPDATED")
        self.assertEqual(upd["registration"]["lifetime"], 60)
        self.assertEqual(upd["update"]["lifetime"], 60)
        st, body = self.srv.api("GET", "/api/clients/dev1")
        self.assertIn("/3303/0", [l["url"] for l in body["objectLinks"]])
        # an Update without anything is fine too
        self.assertEqual(c.update().code, coap.CHANGED)

        self.assertEqual(c.deregister().code, coap.DELETED)
        _, dereg = ev.next("DEREGISTRATION")
        self.assertEqual(dereg["endpoint"], "dev1")
        self.assertFalse(dereg["expired"])
        st, body = self.srv.api("GET", "/api/clients/dev1")
        self.assertEqual(st, 404)
        self.assertEqual(body["error"], "not_found")
        # the location is gone: Update and De-register get 4.04
        self.assertEqual(c.update().code, coap.NOT_FOUND)
        self.assertEqual(c.deregister().code, coap.NOT_FOUND)
        ev.close()

    def test_bad_registrations(self):
        c = FakeClient(self.srv.coap, "x")  # its socket only: no serving thread
        self.addCleanup(c.ep.close)
        cases = [
            (["lt=60"], coap.BAD_REQUEST, "needs ep"),
            (["ep=" + "a" * 65], coap.BAD_REQUEST, "ep must be"),
            (["ep=dev", "lt=soon"], coap.BAD_REQUEST, "lt must be"),
            (["ep=dev", "lt=0"], coap.BAD_REQUEST, "lt must be"),
            (["ep=dev", "lwm2m=9.9"], coap.PRECONDITION_FAILED, "not supported"),
        ]
        for queries, want, diag in cases:
            m = Message(coap.CON, coap.POST, c.ep.mid(), b"\x01\x02").add_path("/rd").add_query(*queries)
            r = c.ep.request(m, self.srv.coap)
            self.assertEqual(r.code, want, queries)
            self.assertIn(diag, r.payload.decode(), queries)
        # a bad link payload
        m = Message(coap.CON, coap.POST, c.ep.mid(), b"\x03").add_path("/rd").add_query("ep=dev")
        m.set_uint(coap.CONTENT_FORMAT, coap.LINK)
        m.payload = b"</3/0/1/2/3>,garbage"
        r = c.ep.request(m, self.srv.coap)
        self.assertEqual(r.code, coap.BAD_REQUEST)
        # a payload that is not link-format
        m = Message(coap.CON, coap.POST, c.ep.mid(), b"\x04").add_path("/rd").add_query("ep=dev")
        m.set_uint(coap.CONTENT_FORMAT, coap.TEXT)
        m.payload = b"</1/0>"
        self.assertEqual(c.ep.request(m, self.srv.coap).code, coap.UNSUPPORTED_CONTENT_FORMAT)
        # an oversized payload: 4.13, and nothing registered
        m = Message(coap.CON, coap.POST, c.ep.mid(), b"\x05").add_path("/rd").add_query("ep=big")
        m.set_uint(coap.CONTENT_FORMAT, coap.LINK)
        m.payload = b",".join(b"</%d/0>" % i for i in range(3000))
        r = c.ep.request(m, self.srv.coap)
        self.assertEqual(r.code, coap.REQUEST_ENTITY_TOO_LARGE)
        self.assertIn("larger than", r.payload.decode())
        # a GET on /rd, an unknown resource, an unknown critical option
        m = Message(coap.CON, coap.GET, c.ep.mid(), b"\x06").add_path("/rd")
        self.assertEqual(c.ep.request(m, self.srv.coap).code, coap.METHOD_NOT_ALLOWED)
        m = Message(coap.CON, coap.GET, c.ep.mid(), b"\x07").add_path("/nothing")
        self.assertEqual(c.ep.request(m, self.srv.coap).code, coap.NOT_FOUND)
        m = Message(coap.CON, coap.POST, c.ep.mid(), b"\x08").add_path("/rd").add_query("ep=z")
        m.add(65001, b"x")  # critical and unknown
        self.assertEqual(c.ep.request(m, self.srv.coap).code, coap.BAD_OPTION)
        st, lst = self.srv.api("GET", "/api/clients")
        self.assertEqual(lst, [])

    def test_malformed_coap_keeps_state(self):
        c = self.client("dev2")
        self.assertEqual(c.register().code, coap.CREATED)
        raw = coap.Endpoint()
        try:
            # a CON whose option runs past the end: RST with its MID
            raw.send(bytes([0x40, 0x01, 0x12, 0x34, 0xB5, 0x61]), self.srv.coap)
            m, _ = raw.recv(3)
            self.assertIsNotNone(m)
            self.assertEqual((m.type, m.mid), (coap.RST, 0x1234))
            # garbage of every kind: no crash; CONs with a readable header get RST
            for junk in (b"\x00", b"\xff" * 40, bytes([0x60, 0, 0, 1, 0xFF]), bytes([0x4F, 1, 0, 1]),
                         bytes([0x40, 0x01, 0x00, 0x02, 0xFF])):
                raw.send(junk, self.srv.coap)
            rsts = set()
            while True:
                m, _ = raw.recv(1)
                if m is None:
                    break
                self.assertEqual(m.type, coap.RST)
                rsts.add(m.mid)
            self.assertEqual(rsts, {1, 2})
            # a CoAP ping gets RST
            raw.send(Message(coap.CON, coap.EMPTY, 77), self.srv.coap)
            m, _ = raw.recv(3)
            self.assertEqual((m.type, m.mid), (coap.RST, 77))
            # a response nobody asked for gets RST too
            raw.send(Message(coap.CON, coap.CONTENT, 78, b"\x09\x09"), self.srv.coap)
            m, _ = raw.recv(3)
            self.assertEqual((m.type, m.mid), (coap.RST, 78))
        finally:
            raw.close()
        st, body = self.srv.api("GET", "/api/clients/dev2")
        self.assertEqual(st, 200)
        st, info = self.srv.api("GET", "/api/server")
        self.assertGreaterEqual(info["coapCounters"]["malformed"], 4)

    def test_dedup_replays_cached_reply(self):
        c = self.client("dev3")
        m = Message(coap.CON, coap.POST, 4242, b"\xaa\xbb").add_path("/rd").add_query("ep=dev3", "lt=60")
        m.set_uint(coap.CONTENT_FORMAT, coap.LINK)
        m.payload = lwm2m.links(["/3/0"])
        raw = coap.Endpoint()
        try:
            first = raw.request(m, self.srv.coap)
            self.assertEqual(first.code, coap.CREATED)
            # the same MID again (our ACK was "lost"): the same bytes, no second registration
            again = raw.request(m, self.srv.coap)
            self.assertEqual(again.encode(), first.encode())
            st, lst = self.srv.api("GET", "/api/clients")
            self.assertEqual(len(lst), 1)
            self.assertEqual(lst[0]["registrationId"], first.location()[4:])
        finally:
            raw.close()

    def test_reregistration_replaces(self):
        ev = Events(self.srv)
        a = self.client("same")
        self.assertEqual(a.register().code, coap.CREATED)
        first = a.location
        ev.next("REGISTRATION")
        b = self.client("same")  # the same endpoint from another address (a reboot)
        self.assertEqual(b.register().code, coap.CREATED)
        self.assertNotEqual(b.location, first)
        _, d = ev.next("DEREGISTRATION")
        self.assertEqual(d["registrationId"], first[4:])
        _, r = ev.next("REGISTRATION")
        self.assertEqual(r["address"], "127.0.0.1:%d" % b.addr[1])
        st, lst = self.srv.api("GET", "/api/clients")
        self.assertEqual(len(lst), 1)
        self.assertEqual(a.update().code, coap.NOT_FOUND)
        ev.close()

    def test_lifetime_expiry(self):
        ev = Events(self.srv, "?ep=shortlived")
        c = self.client("shortlived")
        other = self.client("other")
        self.assertEqual(other.register(lifetime=300).code, coap.CREATED)
        self.assertEqual(c.register(lifetime=2).code, coap.CREATED)
        _, reg = ev.next("REGISTRATION")
        self.assertEqual(reg["endpoint"], "shortlived")  # the filter keeps "other" out
        t0 = time.time()
        _, d = ev.next("DEREGISTRATION", timeout=6)
        self.assertTrue(d["expired"])
        self.assertGreater(time.time() - t0, 1.0)
        self.assertEqual(self.srv.api("GET", "/api/clients/shortlived")[0], 404)
        self.assertEqual(self.srv.api("GET", "/api/clients/other")[0], 200)
        ev.close()

    def test_update_keeps_alive(self):
        c = self.client("kept")
        self.assertEqual(c.register(lifetime=2).code, coap.CREATED)
        for _ in range(3):
            time.sleep(1)
            self.assertEqual(c.update().code, coap.CHANGED)
        self.assertEqual(self.srv.api("GET", "/api/clients/kept")[0], 200)


class LibcoapInterop(unittest.TestCase):
    """libcoap's coap-client registers a hand-written endpoint."""

    def test_coap_client_registers(self):
        tool = shutil.which("coap-client-notls")
        self.assertIsNotNone(tool, "coap-client-notls (Debian libcoap3-bin) is required")
        srv = Server().start()
        try:
            payload = '</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>,</3303>;ver=1.1,</3303/0>'
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
                f.write(payload)
            uri = "coap://127.0.0.1:%d/rd?ep=libcoap-ep&lt=600&lwm2m=1.1&b=U" % srv.coap_port
            out = subprocess.run([tool, "-m", "post", "-t", "40", "-f", f.name, "-B", "5", uri],
                                 capture_output=True, timeout=20)
            os.unlink(f.name)
            self.assertEqual(out.returncode, 0, out.stderr)
            st, lst = srv.api("GET", "/api/clients")
            self.assertEqual(st, 200)
            self.assertEqual([c["endpoint"] for c in lst], ["libcoap-ep"])
            self.assertEqual(lst[0]["lifetime"], 600)
            links = {l["url"]: l["attributes"] for l in lst[0]["objectLinks"]}
            self.assertEqual(links["/3303"], {"ver": "1.1"})
            self.assertIn("/3303/0", links)
        finally:
            srv.stop()


if __name__ == "__main__":
    harness.main()
