"""sidelink-server: server-side bindings (observe the source, write the
target) deliver every value in order; a server restart keeps
registrations (with their remaining lifetime), observations and bindings;
a source that registers again is observed again; a target's queue is
bounded (16, the oldest dropped)."""

import os
import time
import unittest

import harness
from harness import Events, Server, wait_for

import coap
from fake_lwm2m import FakeClient

BUTTON = (3347, 0, 5500)
LIGHT = (3311, 0, 5850)


class Bindings(unittest.TestCase):
    def setUp(self):
        self.srv = None
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()
        if self.srv and self.srv.proc:
            log = self.srv.stop()
            if os.environ.get("SL_TEST_LOG"):
                print(log)

    def pair(self):
        button = FakeClient(self.srv.coap, "button", {BUTTON: False, (3347, 0, 5501): 0}).start()
        light = FakeClient(self.srv.coap, "light", {LIGHT: False, (3311, 0, 5851): 0}).start()
        self.clients += [button, light]
        self.assertEqual(button.register().code, coap.CREATED)
        self.assertEqual(light.register().code, coap.CREATED)
        return button, light

    def light_values(self, light):
        with light._lock:
            return [v for p, v in light.writes if p == LIGHT]

    def test_binding_in_order_and_restart(self):
        d = os.path.join(self.id().replace(".", "_"))
        self.srv = Server()
        self.srv.db = os.path.join(self.srv.dir, "store.db")
        self.srv.start()
        button, light = self.pair()
        st, b = self.srv.api("POST", "/api/bindings",
                             {"source": "button:/3347/0/5500", "target": "light:/3311/0/5850"})
        self.assertEqual(st, 201, b)
        bid = b["id"]
        self.assertEqual(b["source"], "button:/3347/0/5500")
        self.assertEqual(b["via"], "server")
        wait_for(lambda: BUTTON in button.observations, what="the source observed")
        # the same binding twice: 409
        st, _ = self.srv.api("POST", "/api/bindings",
                             {"source": "button:/3347/0/5500", "target": "light:/3311/0/5850"})
        self.assertEqual(st, 409)
        seq = [True, False] * 6
        for v in seq:
            button.notify(BUTTON, v)
            time.sleep(0.01)
        wait_for(lambda: len(self.light_values(light)) == len(seq), what="every value delivered")
        self.assertEqual(self.light_values(light), seq)
        st, lst = self.srv.api("GET", "/api/bindings")
        self.assertEqual(lst[0]["state"]["delivered"], len(seq))
        self.assertTrue(lst[0]["state"]["observing"])

        # restart: registrations, the observation and the binding survive
        self.srv.stop()
        self.srv.start()
        st, lst = self.srv.api("GET", "/api/clients")
        self.assertEqual(sorted(c["endpoint"] for c in lst), ["button", "light"])
        self.assertLessEqual(lst[0]["lifetime"], 300)
        st, bl = self.srv.api("GET", "/api/bindings")
        self.assertEqual([x["id"] for x in bl], [bid])
        button.notify(BUTTON, True)
        wait_for(lambda: len(self.light_values(light)) == len(seq) + 1, what="delivery after restart")
        self.assertIs(self.light_values(light)[-1], True)
        # devices still answer through the restored registrations
        st, r = self.srv.api("GET", "/api/clients/light/3311/0/5850")
        self.assertEqual(r["content"]["value"], True)

        # the source registers again (a reboot): it is observed again
        button.observations.clear()
        self.assertEqual(button.register().code, coap.CREATED)
        wait_for(lambda: BUTTON in button.observations, what="re-observed after re-registration")
        button.notify(BUTTON, False)
        wait_for(lambda: len(self.light_values(light)) == len(seq) + 2, what="delivery after re-registration")

        # delete: no more deliveries, the source observation is cancelled
        st, b = self.srv.api("DELETE", "/api/bindings/%d" % bid)
        self.assertEqual((st, b["deleted"]), (200, bid))
        wait_for(lambda: BUTTON not in button.observations, what="observation cancelled")
        st, _ = self.srv.api("DELETE", "/api/bindings/%d" % bid)
        self.assertEqual(st, 404)
        st, _ = self.srv.api("GET", "/api/bindings/%d" % bid)
        self.assertEqual(st, 404)

        # a registration restored after a restart keeps its remaining lifetime
        light.register(lifetime=3)
        self.srv.stop()
        time.sleep(1)
        self.srv.start()
        st, c = self.srv.api("GET", "/api/clients/light")
        self.assertEqual(st, 200)
        time.sleep(2.5)
        st, c = self.srv.api("GET", "/api/clients/light")
        self.assertEqual(st, 404)

    def test_bad_bindings(self):
        self.srv = Server().start()
        for body in ({"source": "a:/1/0", "target": "b:/1/0/1"},
                     {"source": "a/3/0/1", "target": "b:/1/0/1"},
                     {"source": "a:/3/0/1"},
                     {"source": "a:/3/0/1", "target": "b:/3/0/1", "via": "direct"},
                     [1, 2]):
            st, b = self.srv.api("POST", "/api/bindings", body)
            self.assertEqual(st, 400, body)
            self.assertEqual(b["error"], "bad_request")
        st, b = self.srv.api("POST", "/api/bindings", raw=b"{")
        self.assertEqual(st, 400)
        st, b = self.srv.api("GET", "/api/bindings/abc")
        self.assertEqual(st, 400)
        # a binding whose ends are not registered yet waits for them
        st, b = self.srv.api("POST", "/api/bindings", {"source": "later:/3347/0/5500",
                                                       "target": "light:/3311/0/5850"})
        self.assertEqual(st, 201)
        self.assertFalse(b["state"]["observing"])
        src = FakeClient(self.srv.coap, "later", {BUTTON: False}).start()
        self.clients.append(src)
        src.register()
        wait_for(lambda: BUTTON in src.observations, what="observed once registered")
        # the target is missing: values are dropped and counted
        src.notify(BUTTON, True)
        wait_for(lambda: self.srv.api("GET", "/api/bindings")[1][0]["state"]["dropped"] == 1,
                 what="a dropped value")

    def test_target_queue_is_bounded(self):
        self.srv = Server(config="coap_max_retransmit = 1\n").start()
        button, light = self.pair()
        st, b = self.srv.api("POST", "/api/bindings",
                             {"source": "button:/3347/0/5500", "target": "light:/3311/0/5850"})
        wait_for(lambda: BUTTON in button.observations, what="observed")
        light.mode = "silent"
        for k in range(24):
            button.notify(BUTTON, k % 2 == 0)
            time.sleep(0.005)
        wait_for(lambda: self.srv.api("GET", "/api/bindings")[1][0]["state"]["dropped"] >= 7,
                 what="the oldest waiting writes dropped")
        light.mode = "normal"
        # the write in flight is retransmitted (answered now, or given up),
        # then the 16 that waited go through, in order
        def settled():
            st = self.srv.api("GET", "/api/bindings")[1][0]["state"]
            return st["delivered"] + st["failed"] == 17 and st
        s = wait_for(settled, timeout=15, what="the queue drained")
        self.assertEqual(s["notifications"], 24)
        self.assertEqual(s["dropped"], 7)
        got = self.light_values(light)
        self.assertIn(len(got), (16, 17))
        self.assertEqual(got[-16:], [k % 2 == 0 for k in range(8, 24)])

if __name__ == "__main__":
    harness.main()
