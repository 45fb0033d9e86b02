"""sidelink-server device management through the REST API against a fake
LwM2M client: read, write (replace and partial), execute, create, delete,
discover, write-attributes, composite read/write, observe with SSE
NOTIFICATION events and cancel, formats, block-wise transfers,
retransmission, separate responses, timeouts (504), 404s and 400s."""

import time
import unittest

import harness
from harness import Events, Server, wait_for

import coap
from fake_lwm2m import FakeClient

VALUES = {
    (3, 0, 0): "Open Mobile Alliance",
    (3, 0, 9): 95,
    (3, 0, 11): {0: 0},
    (3, 0, 13): 1700000000,
    (3, 0, 14): "+01:00",
    (3, 0, 4): b"",          # Reboot (executable)
    (1, 0, 1): 300,
    (3303, 0, 5700): 21.5,
    (3303, 0, 5701): "Cel",
    (3311, 0, 5850): False,
    (3311, 0, 5851): 40,
    (0, 0, 3): b"\x01\x02",
}


class DeviceOps(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server().start()
        cls.dev = FakeClient(cls.srv.coap, "dev1", dict(VALUES)).start()
        r = cls.dev.register()
        assert r is not None and r.code == coap.CREATED, r

    @classmethod
    def tearDownClass(cls):
        cls.dev.close()
        cls.srv.stop()

    def setUp(self):
        self.dev.mode = "normal"
        with self.dev._lock:
            self.dev.values = dict(VALUES)

    def api(self, *a, **k):
        return self.srv.api(*a, **k)

    def test_read_formats(self):
        st, b = self.api("GET", "/api/clients/dev1/3/0/0")
        self.assertEqual(st, 200)
        self.assertEqual(b, {"status": "CONTENT(205)", "success": True,
                             "content": {"id": 0, "kind": "singleResource", "type": "STRING",
                                         "value": "Open Mobile Alliance"}})
        st, b = self.api("GET", "/api/clients/dev1/3303/0/5700?format=tlv")
        self.assertEqual(b["content"]["value"], 21.5)
        self.assertEqual(b["content"]["type"], "FLOAT")
        self.assertEqual(self.dev.requests[-1].uint(coap.ACCEPT), coap.TLV)
        st, b = self.api("GET", "/api/clients/dev1/3/0?format=SENML_CBOR")
        self.assertEqual(b["content"]["kind"], "instance")
        res = {r["id"]: r for r in b["content"]["resources"]}
        self.assertEqual(res[13]["type"], "TIME")
        self.assertEqual(res[13]["value"], 1700000000 * 1000)
        self.assertEqual(res[11]["kind"], "multiResource")
        self.assertEqual(res[11]["values"], {"0": 0})
        st, b = self.api("GET", "/api/clients/dev1/3")
        self.assertEqual(b["content"]["kind"], "obj")
        self.assertEqual(b["content"]["instances"][0]["id"], 0)
        st, b = self.api("GET", "/api/clients/dev1/0/0/3")
        self.assertEqual(b["content"], {"id": 3, "kind": "singleResource", "type": "OPAQUE",
                                        "value": "0102"})
        st, b = self.api("GET", "/api/clients/dev1/3/0/11/0")
        self.assertEqual(b["content"]["kind"], "resourceInstance")
        # the device's refusal: HTTP 200, success false
        st, b = self.api("GET", "/api/clients/dev1/3/0/77")
        self.assertEqual((st, b["status"], b["success"]), (200, "NOT_FOUND(404)", False))
        st, b = self.api("GET", "/api/clients/dev1/3/0/0?format=opaque")
        self.assertEqual((st, b["status"]), (200, "NOT_ACCEPTABLE(406)"))

    def test_write_and_partial_update(self):
        st, b = self.api("PUT", "/api/clients/dev1/3/0/14", {"id": 14, "kind": "singleResource",
                                                             "value": "+02:00"})
        self.assertEqual((st, b), (200, {"status": "CHANGED(204)", "success": True}))
        self.assertEqual(self.dev.values[(3, 0, 14)], "+02:00")
        # text format, a number given as a string
        st, b = self.api("PUT", "/api/clients/dev1/3311/0/5851?format=TEXT", {"value": "75"})
        self.assertEqual(b["success"], True)
        self.assertEqual(self.dev.requests[-1].uint(coap.CONTENT_FORMAT), coap.TEXT)
        self.assertEqual(self.dev.values[(3311, 0, 5851)], 75)
        # partial update of an instance: POST to the instance
        st, b = self.api("PUT", "/api/clients/dev1/3311/0?replace=false",
                         {"kind": "instance", "resources": [{"id": 5850, "value": True}]})
        self.assertEqual(b["status"], "CHANGED(204)")
        self.assertEqual(self.dev.requests[-1].code, coap.POST)
        self.assertIs(self.dev.values[(3311, 0, 5850)], True)
        # replace: PUT to the instance
        st, b = self.api("PUT", "/api/clients/dev1/3311/0",
                         {"kind": "instance", "resources": [{"id": 5850, "value": False},
                                                            {"id": 5851, "value": 10}]})
        self.assertEqual(self.dev.requests[-1].code, coap.PUT)
        self.assertEqual(self.dev.values[(3311, 0, 5851)], 10)
        # opaque as hex
        st, b = self.api("PUT", "/api/clients/dev1/0/0/3", {"value": "A0B1"})
        self.assertEqual(self.dev.values[(0, 0, 3)], b"\xa0\xb1")

    def test_bad_input(self):
        st, b = self.api("PUT", "/api/clients/dev1/3/0/14", raw=b"{not json")
        self.assertEqual(st, 400)
        self.assertEqual(b["error"], "bad_request")
        self.assertIn("JSON", b["message"])
        st, b = self.api("PUT", "/api/clients/dev1/3303/0/5700", {"value": "warm"})
        self.assertEqual(st, 400)
        self.assertIn("FLOAT", b["message"])
        st, b = self.api("GET", "/api/clients/dev1/3/0/0?format=xml")
        self.assertEqual(st, 400)
        self.assertIn("unknown format", b["message"])
        st, b = self.api("GET", "/api/clients/dev1/3/x/0")
        self.assertEqual(st, 400)
        st, b = self.api("GET", "/api/clients/dev1/3/0/0/0/0")
        self.assertEqual(st, 400)
        st, b = self.api("GET", "/api/clients/dev1/3/0/0?timeout=0")
        self.assertEqual(st, 400)
        st, b = self.api("PUT", "/api/clients/dev1/3", {"value": 1})
        self.assertEqual(st, 400)
        st, b = self.api("POST", "/api/clients/dev1/3/0", {})
        self.assertEqual(st, 400)
        st, b = self.api("GET", "/api/clients/nobody/3/0/0")
        self.assertEqual((st, b["error"]), (404, "not_found"))
        st, b = self.api("GET", "/api/nothing")
        self.assertEqual(st, 404)
        st, b = self.api("PUT", "/api/clients/dev1/3/0/14", raw=b"x" * (1024 * 1024 + 10))
        self.assertEqual((st, b["error"]), (413, "payload_too_large"))
        # nothing above reached the device in a bad shape, and it is still served
        self.assertEqual(self.api("GET", "/api/clients/dev1/3/0/0")[0], 200)

    def test_execute_create_delete(self):
        st, b = self.api("POST", "/api/clients/dev1/3/0/4", raw=b"0='now'")
        self.assertEqual(b, {"status": "CHANGED(204)", "success": True})
        self.assertEqual(self.dev.executed[-1], ((3, 0, 4), b"0='now'"))
        # create with an instance id (TLV)
        st, b = self.api("POST", "/api/clients/dev1/3303",
                         {"kind": "instance", "id": 7, "resources": [{"id": 5700, "value": 1.5},
                                                                      {"id": 5701, "value": "K"}]})
        self.assertEqual(b["status"], "CREATED(201)")
        self.assertEqual(b["location"], "/3303/7")
        self.assertEqual(self.dev.values[(3303, 7, 5701)], "K")
        # without an id: the device picks it
        st, b = self.api("POST", "/api/clients/dev1/3303",
                         {"resources": [{"id": 5701, "value": "F"}]})
        self.assertEqual(b["status"], "CREATED(201)")
        self.assertEqual(b["location"], "/3303/1")
        st, b = self.api("POST", "/api/clients/dev1/3303?format=SENML_CBOR",
                         {"resources": [{"id": 5701, "value": "F"}]})
        self.assertEqual(st, 400)
        st, b = self.api("DELETE", "/api/clients/dev1/3303/7")
        self.assertEqual(b, {"status": "DELETED(202)", "success": True})
        self.assertNotIn((3303, 7, 5701), self.dev.values)
        st, b = self.api("DELETE", "/api/clients/dev1/3303/7")
        self.assertEqual((st, b["status"], b["success"]), (200, "NOT_FOUND(404)", False))

    def test_discover_and_attributes(self):
        st, b = self.api("PUT", "/api/clients/dev1/3303/0/5700/attributes?pmin=5&pmax=60&gt=30.5")
        self.assertEqual(b["status"], "CHANGED(204)")
        req = self.dev.requests[-1]
        self.assertEqual(req.queries(), ["pmin=5", "pmax=60", "gt=30.5"])
        self.assertEqual(req.payload, b"")
        st, b = self.api("GET", "/api/clients/dev1/3303/0/discover")
        self.assertEqual(b["status"], "CONTENT(205)")
        self.assertEqual(self.dev.requests[-1].uint(coap.ACCEPT), coap.LINK)
        urls = [l["url"] for l in b["objectLinks"]]
        self.assertIn("/3303/0/5700", urls)
        st, b = self.api("PUT", "/api/clients/dev1/3303/0/5700/attributes?color=red")
        self.assertEqual(st, 400)
        st, b = self.api("PUT", "/api/clients/dev1/3303/0/5700/attributes?pmin=soon")
        self.assertEqual(st, 400)
        st, b = self.api("PUT", "/api/clients/dev1/3303/0/5700/attributes")
        self.assertEqual(st, 400)

    def test_composite(self):
        st, b = self.api("GET", "/api/clients/dev1/composite?paths=/3/0/0,/3303/0/5700,/3311/0")
        self.assertEqual(b["status"], "CONTENT(205)")
        self.assertEqual(self.dev.requests[-1].code, coap.FETCH)
        c = b["content"]
        self.assertEqual(c["/3/0/0"]["value"], "Open Mobile Alliance")
        self.assertEqual(c["/3303/0/5700"]["type"], "FLOAT")
        self.assertEqual(c["/3311/0"]["kind"], "instance")
        st, b = self.api("PUT", "/api/clients/dev1/composite",
                         {"/3/0/14": "+05:00", "/3311/0/5851": {"value": 33}})
        self.assertEqual(b["status"], "CHANGED(204)")
        self.assertEqual(self.dev.requests[-1].code, coap.IPATCH)
        self.assertEqual(self.dev.values[(3, 0, 14)], "+05:00")
        self.assertEqual(self.dev.values[(3311, 0, 5851)], 33)
        st, b = self.api("GET", "/api/clients/dev1/composite")
        self.assertEqual(st, 400)
        st, b = self.api("GET", "/api/clients/dev1/composite?paths=/3/0/0&format=TLV")
        self.assertEqual(st, 400)

    def test_observe_notify_cancel(self):
        ev = Events(self.srv, "?ep=dev1")
        st, b = self.api("POST", "/api/clients/dev1/3303/0/5700/observe")
        self.assertEqual(b["status"], "CONTENT(205)")
        self.assertEqual(b["content"]["value"], 21.5)
        self.assertTrue(wait_for(lambda: (3303, 0, 5700) in self.dev.observations, what="observe"))
        self.assertTrue(self.dev.notify((3303, 0, 5700), 22.25))
        _, n = ev.next("NOTIFICATION")
        self.assertEqual(n["ep"], "dev1")
        self.assertEqual(n["res"], "/3303/0/5700")
        self.assertEqual(n["val"], {"id": 5700, "kind": "singleResource", "type": "FLOAT",
                                    "value": 22.25})
        # a CON notification is acknowledged
        self.dev.notify((3303, 0, 5700), 23.0, con=True)
        _, n = ev.next("NOTIFICATION")
        self.assertEqual(n["val"]["value"], 23.0)
        # an older notification (reordered) is dropped
        obs = self.dev.observations[(3303, 0, 5700)]
        self.dev.notify((3303, 0, 5700), 99.0, seq=obs[1] - 2)
        self.dev.notify((3303, 0, 5700), 24.0)
        _, n = ev.next("NOTIFICATION")
        self.assertEqual(n["val"]["value"], 24.0)
        # a second observe of the same path: the current value, one observation
        st, b = self.api("POST", "/api/clients/dev1/3303/0/5700/observe")
        self.assertEqual(b["content"]["value"], 24.0)
        # cancel: GET with Observe 1, then nothing more
        st, b = self.api("DELETE", "/api/clients/dev1/3303/0/5700/observe")
        self.assertEqual((st, b["success"]), (200, True))
        wait_for(lambda: (3303, 0, 5700) not in self.dev.observations, what="cancel")
        st, b = self.api("DELETE", "/api/clients/dev1/3303/0/5700/observe")
        self.assertEqual(st, 404)
        ev.close()

    def test_block2_notification(self):
        ev = Events(self.srv, "?ep=dev1")
        st, b = self.api("POST", "/api/clients/dev1/3/0/14/observe")
        self.assertEqual(b["success"], True)
        self.dev.block_size = 64
        try:
            big = "z" * 300
            self.assertTrue(self.dev.notify((3, 0, 14), big))
            _, n = ev.next("NOTIFICATION", match=lambda d: d["res"] == "/3/0/14")
            self.assertEqual(n["val"]["value"], big)
            # the rest came with GETs carrying Block2 1.. and no Observe
            gets = [r for r in self.dev.requests if r.block(coap.BLOCK2)]
            self.assertGreaterEqual(len(gets), 4)
            self.assertIsNone(gets[-1].uint(coap.OBSERVE))
        finally:
            self.dev.block_size = 1024
            self.api("DELETE", "/api/clients/dev1/3/0/14/observe")
            ev.close()

    def test_forgotten_observation_gets_rst(self):
        st, b = self.api("POST", "/api/clients/dev1/3/0/9/observe")
        self.assertEqual(b["success"], True)
        wait_for(lambda: (3, 0, 9) in self.dev.observations, what="observe")
        token = self.dev.observations[(3, 0, 9)][0]
        st, b = self.api("DELETE", "/api/clients/dev1/3/0/9/observe")
        self.assertEqual(st, 200)
        wait_for(lambda: (3, 0, 9) not in self.dev.observations, what="cancel")
        # a late notification with the old token is rejected with RST
        raw = coap.Endpoint()
        try:
            m = coap.Message(coap.CON, coap.CONTENT, 999, token)
            m.set_uint(coap.OBSERVE, 50)
            m.payload = b"1"
            raw.send(m, self.srv.coap)
            r, _ = raw.recv(3)
            self.assertEqual((r.type, r.mid), (coap.RST, 999))
        finally:
            raw.close()

    def test_timeout_504(self):
        self.dev.mode = "silent"
        t0 = time.time()
        st, b = self.api("GET", "/api/clients/dev1/3/0/0?timeout=1")
        self.assertEqual((st, b["error"]), (504, "timeout"))
        self.assertLess(time.time() - t0, 4)
        self.dev.mode = "normal"
        # the queue moves on: the next request works
        st, b = self.api("GET", "/api/clients/dev1/3/0/0")
        self.assertEqual((st, b["success"]), (200, True))

    def test_retransmission_and_separate(self):
        self.dev.mode = "drop_first"
        st, b = self.api("GET", "/api/clients/dev1/3/0/0?timeout=10")
        self.assertEqual((st, b["success"]), (200, True))
        mids = [r.mid for r in self.dev.requests[-2:]]
        self.assertEqual(mids[0], mids[1])  # the same CON, sent again
        self.dev.mode = "separate"
        st, b = self.api("GET", "/api/clients/dev1/3303/0/5701")
        self.assertEqual((st, b["content"]["value"]), (200, "Cel"))

    def test_nstart_one_per_client(self):
        import threading
        results = []

        def one(i):
            results.append(self.api("GET", "/api/clients/dev1/3/0/9")[1]["success"])

        ts = [threading.Thread(target=one, args=(i,)) for i in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(results, [True] * 8)

    def test_block2_and_block1(self):
        big = "x" * 3000
        self.dev.set((3, 0, 0), big)
        self.dev.block_size = 256
        try:
            st, b = self.api("GET", "/api/clients/dev1/3/0/0")
            self.assertEqual(b["content"]["value"], big)
            blocks = [r.block(coap.BLOCK2) for r in self.dev.requests[-12:] if r.block(coap.BLOCK2)]
            self.assertGreaterEqual(len(blocks), 10)
        finally:
            self.dev.block_size = 1024
            self.dev.set((3, 0, 0), "Open Mobile Alliance")
        # a write larger than one block goes with Block1
        st, b = self.api("PUT", "/api/clients/dev1/3/0/14", {"value": "y" * 2500})
        self.assertEqual(b["status"], "CHANGED(204)")
        self.assertEqual(self.dev.values[(3, 0, 14)], "y" * 2500)
        b1 = [r.block(coap.BLOCK1) for r in self.dev.requests[-3:]]
        self.assertEqual([x[0] for x in b1], [0, 1, 2])
        self.assertEqual(self.dev.requests[-3].uint(coap.SIZE1) > 2500, True)


if __name__ == "__main__":
    harness.main()
