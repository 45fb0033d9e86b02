#!/usr/bin/env python3
"""sidelink-client against sidelink-server, both real, on loopback ports:
registration, every device-management operation through the REST API,
observe, de-registration, restarts that keep state, the control socket,
and configuration errors.

usage: test_client.py CLIENT_BINARY SERVER_BINARY
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sidelink  # noqa: E402

CLIENT = SERVER = None


OSCORE_SECRET = "0102030405060708090a0b0c0d0e0f10"
OSCORE_SALT = "9e7ca92223786340"
PSK_IDENTITY = "lamp-psk-id"
PSK_KEY = "00112233445566778899aabbccddeeff"


class ClientServer(unittest.TestCase):
    """Every operation over plain CoAP (NoSec); the subclasses run the same
    tests over the secure transports."""
    security = "nosec"

    def setUp(self):
        self.dir = sidelink.workdir("sidelink-client-test-")
        self.server = sidelink.Server(SERVER, self.dir).start()
        uri, server_extra = self.server.coap_uri, ""
        if self.security == "psk":
            sidelink.put_psk(self.server, "lamp", PSK_IDENTITY, PSK_KEY)
            uri = self.server.coaps_uri
            server_extra = "psk_identity = %s\npsk_key = %s\n" % (PSK_IDENTITY, PSK_KEY)
        elif self.security == "oscore":
            # the server's Sender ID is the client's Recipient ID
            status, body = self.server.request("PUT", "/api/security/clients", {
                "endpoint": "lamp", "oscore": {"sid": "02", "rid": "01", "msec": OSCORE_SECRET,
                                               "msalt": OSCORE_SALT}})
            self.assertEqual(status, 200, body)
            server_extra = ("oscore_sender_id = 01\noscore_recipient_id = 02\n"
                            "oscore_master_secret = %s\noscore_master_salt = %s\n"
                            % (OSCORE_SECRET, OSCORE_SALT))
        self.client = sidelink.Client(CLIENT, self.dir, "lamp", uri, lifetime=60,
                                      config_extra="temperature.period = 1\n",
                                      server_extra=server_extra)
        self.client.start()
        self.reg = self.server.wait_registered("lamp")
        self.assertEqual(self.reg["secure"], self.security != "nosec")

    def tearDown(self):
        self.client.stop()
        self.server.stop()
        if self._outcome.success if hasattr(self._outcome, "success") else True:
            shutil.rmtree(self.dir, ignore_errors=True)

    def rest(self, method, path, body=None):
        return self.server.request(method, "/api/clients/lamp" + path, body)

    def test_registration_lists_objects(self):
        links = [l["url"] for l in self.reg["objectLinks"]]
        self.assertIn("/3/0", links)
        self.assertIn("/3303/0", links)
        self.assertIn("/1/0", links)
        self.assertNotIn("/0/0", links)  # never the Security object
        self.assertEqual(self.reg["lifetime"], 60)
        self.assertEqual(self.reg["bindingMode"], "U")
        self.assertEqual(self.reg["lwM2mVersion"], "1.1")

    def test_read_write_execute(self):
        status, body = self.rest("GET", "/3/0/0")
        self.assertEqual((status, body["success"]), (200, True), body)
        self.assertEqual(body["content"]["value"], "Sidelink")
        status, body = self.rest("GET", "/3303/0/5700?format=TLV")
        self.assertTrue(body["success"], body)
        self.assertEqual(body["content"]["type"], "FLOAT")
        # write the light on, read it back; a read-only resource refuses
        status, body = self.rest("PUT", "/3311/0/5850",
                                 {"id": 5850, "kind": "singleResource", "type": "BOOLEAN",
                                  "value": True})
        self.assertTrue(body["success"], body)
        self.assertEqual(self.rest("GET", "/3311/0/5850")[1]["content"]["value"], True)
        status, body = self.rest("PUT", "/3303/0/5700",
                                 {"id": 5700, "kind": "singleResource", "type": "FLOAT",
                                  "value": 1.0})
        self.assertEqual(status, 200)
        self.assertFalse(body["success"])
        self.assertIn("405", body["status"])
        # unknown paths: the device's 4.04
        status, body = self.rest("GET", "/3303/9")
        self.assertFalse(body["success"])
        self.assertIn("404", body["status"])
        # Registration Update Trigger
        status, body = self.rest("POST", "/1/0/8")
        self.assertTrue(body["success"], body)

    def test_create_delete_discover_attributes(self):
        status, body = self.rest("POST", "/3311",
                                 {"id": 1, "kind": "instance",
                                  "resources": [{"id": 5850, "kind": "singleResource",
                                                 "type": "BOOLEAN", "value": False}]})
        self.assertTrue(body["success"], body)
        # the client announces the new instance with an Update
        sidelink.wait_for(lambda: any(l["url"] == "/3311/1"
                                      for l in self.server.clients()["lamp"]["objectLinks"]),
                          what="an Update listing /3311/1")
        status, body = self.rest("PUT", "/3303/0/5700/attributes?pmin=1&pmax=30&st=0.5")
        self.assertTrue(body["success"], body)
        status, body = self.rest("GET", "/3303/0/discover")
        self.assertTrue(body["success"], body)
        text = str(body["objectLinks"])
        self.assertIn("5700", text)
        self.assertIn("pmin", text)
        status, body = self.rest("DELETE", "/3311/1")
        self.assertTrue(body["success"], body)
        status, body = self.rest("GET", "/3311/1")
        self.assertIn("404", body["status"])

    def test_observe_notifications(self):
        events = sidelink.Events(self.server, "lamp")
        try:
            status, body = self.rest("POST", "/3303/0/5700/observe")
            self.assertTrue(body["success"], body)
            # the simulated sensor changes every second
            sidelink.wait_for(lambda: len(events.of("NOTIFICATION")) >= 2, timeout=10,
                              what="two notifications")
            status, body = self.rest("DELETE", "/3303/0/5700/observe")
            self.assertEqual(status, 200, body)
        finally:
            events.close()

    def test_control_socket(self):
        self.client.wait_control()
        self.assertEqual(os.stat(self.client.control).st_mode & 0o777, 0o600)
        # the server lists us once it committed; we say so once its 2.01 is in
        st = sidelink.wait_for(
            lambda: (lambda r: r if r["servers"][0]["state"] == "registered" else None)(
                self.client.command("status")), what="the client to report registered")
        self.assertTrue(st["ok"])
        self.assertTrue(st["servers"][0]["location"].startswith("rd/"))
        self.assertEqual(self.client.command("read /3/0/0")["value"], "Sidelink")
        self.assertTrue(self.client.command("write /3311/0/5706 warm white")["ok"])
        self.assertEqual(self.client.command("read /3311/0/5706")["value"], "warm white")
        r = self.client.command("press")
        self.assertEqual((r["ok"], r["value"], r["counter"]), (True, True, 1))
        r = self.client.command("press")
        self.assertEqual((r["value"], r["counter"]), (False, 2))
        self.assertEqual(self.rest("GET", "/3347/0/5501")[1]["content"]["value"], 2)
        bad = self.client.command("read /3303/7")
        self.assertFalse(bad["ok"])
        self.assertEqual(bad["code"], "4.04")
        # the device itself may set what servers may only read (a sensor value)
        self.assertTrue(self.client.command("write /3303/0/5700 3.5")["ok"])
        self.assertFalse(self.client.command("write /3303/0/9999 1")["ok"])
        self.assertFalse(self.client.command("write /3311/0/5850 maybe")["ok"])
        self.assertFalse(self.client.command("frobnicate")["ok"])

    def test_deregister_on_sigterm_and_restart_keeps_state(self):
        # the server changes the lifetime; the client persists and announces it
        status, body = self.rest("PUT", "/1/0/1",
                                 {"id": 1, "kind": "singleResource", "type": "INTEGER",
                                  "value": 90})
        self.assertTrue(body["success"], body)
        sidelink.wait_for(lambda: self.server.clients()["lamp"]["lifetime"] == 90,
                          what="lifetime 90 at the server")
        self.assertEqual(self.client.stop(signal.SIGTERM), 0)
        self.server.wait_gone("lamp", timeout=5)  # de-registered, not expired
        self.assertIn("de-registering", self.client.log())
        self.client.start()
        reg = self.server.wait_registered("lamp")
        self.assertEqual(reg["lifetime"], 90)  # from the saved object 1, not the config
        # kill -9: no de-registration; the saved state is intact all the same
        self.client.stop(signal.SIGKILL)
        self.client.start()
        self.assertEqual(self.server.wait_registered("lamp")["lifetime"], 90)


    def test_device_time_reboot_factory_reset(self):
        status, body = self.rest("GET", "/3/0/13")
        now_ms = time.time() * 1000
        self.assertTrue(body["success"], body)
        self.assertLess(abs(body["content"]["value"] - now_ms), 5000)  # time: epoch ms
        # a server sets the clock back an hour; the device keeps counting from there
        status, body = self.rest("PUT", "/3/0/13", {"id": 13, "kind": "singleResource",
                                                    "type": "TIME", "value": int(now_ms) - 3600000})
        self.assertTrue(body["success"], body)
        time.sleep(1.2)
        value = self.rest("GET", "/3/0/13")[1]["content"]["value"]
        self.assertLess(abs(value - (now_ms - 3600000)), 5000)
        # reboot: de-register, start over, register again (a new registration)
        old_id = self.server.clients()["lamp"]["registrationId"]
        status, body = self.rest("PUT", "/1/0/1", {"id": 1, "kind": "singleResource",
                                                   "type": "INTEGER", "value": 77})
        self.assertTrue(body["success"], body)
        status, body = self.rest("POST", "/3/0/4")
        self.assertTrue(body["success"], body)
        sidelink.wait_for(lambda: self.server.clients().get("lamp", {}).get("registrationId",
                                                                             old_id) != old_id,
                          what="a new registration after reboot")
        self.assertEqual(self.server.wait_registered("lamp")["lifetime"], 77)  # kept
        # factory reset: what servers changed is forgotten (lifetime from the config)
        old_id = self.server.clients()["lamp"]["registrationId"]
        status, body = self.rest("POST", "/3/0/5")
        self.assertTrue(body["success"], body)
        sidelink.wait_for(lambda: self.server.clients().get("lamp", {}).get("registrationId",
                                                                             old_id) != old_id,
                          what="a new registration after factory reset")
        self.assertEqual(self.server.wait_registered("lamp")["lifetime"], 60)

    def test_composite_read_write(self):
        status, body = self.server.request(
            "GET", "/api/clients/lamp/composite?paths=/3/0/0,/3311/0/5850&format=SENML_CBOR")
        self.assertEqual(status, 200, body)
        self.assertTrue(body["success"], body)
        text = str(body["content"])
        self.assertIn("Sidelink", text)
        status, body = self.server.request(
            "PUT", "/api/clients/lamp/composite?format=SENML_CBOR",
            {"/3311/0/5850": {"id": 5850, "kind": "singleResource", "type": "BOOLEAN",
                              "value": True},
             "/3311/0/5706": {"id": 5706, "kind": "singleResource", "type": "STRING",
                              "value": "red"}})
        self.assertTrue(body["success"], body)
        self.assertEqual(self.rest("GET", "/3311/0/5706")[1]["content"]["value"], "red")
        # one bad value: nothing written
        status, body = self.server.request(
            "PUT", "/api/clients/lamp/composite?format=SENML_CBOR",
            {"/3311/0/5706": {"id": 5706, "kind": "singleResource", "type": "STRING",
                              "value": "blue"},
             "/3303/0/5700": {"id": 5700, "kind": "singleResource", "type": "FLOAT",
                              "value": 1.0}})
        self.assertFalse(body.get("success", False), body)
        self.assertEqual(self.rest("GET", "/3311/0/5706")[1]["content"]["value"], "red")

    def test_binding_delivers_every_value_in_order(self):
        switch = sidelink.Client(CLIENT, self.dir, "switch", self.server.coap_uri,
                                 config_extra="objects = 3347\n").start()
        try:
            self.server.wait_registered("switch")
            switch.wait_control()
            self.client.wait_control()
            events = sidelink.Events(self.server, "lamp")
            status, body = self.rest("POST", "/3311/0/5850/observe")
            self.assertTrue(body["success"], body)
            status, body = self.server.request("POST", "/api/bindings", {
                "source": "switch:/3347/0/5500", "target": "lamp:/3311/0/5850"})
            self.assertIn(status, (200, 201), body)
            time.sleep(0.5)
            states = [switch.command("press")["value"] for _ in range(10) if not time.sleep(0.3)]
            sidelink.wait_for(lambda: len(events.of("NOTIFICATION")) >= 10, timeout=10,
                              what="ten notifications from the lamp")
            seen = [str(e[1]).lower() for e in events.of("NOTIFICATION")]
            got = [("true" in v) for v in seen][-10:]
            self.assertEqual(got, states, seen)
            events.close()
        finally:
            switch.stop()


class ClientServerPSK(ClientServer):
    """The same operations over DTLS 1.2 PSK (TLS_PSK_WITH_AES_128_CCM_8)."""
    security = "psk"

    def test_wrong_key_and_plain_coap_are_refused(self):
        # an endpoint with credentials may not register over plain CoAP
        impostor = sidelink.Client(CLIENT, self.dir, "lamp2", self.server.coap_uri)
        sidelink.put_psk(self.server, "lamp2", "lamp2-id", PSK_KEY)
        wrong = sidelink.Client(CLIENT, self.dir, "lamp3", self.server.coaps_uri,
                                server_extra="psk_identity = lamp2-id\n"
                                             "psk_key = %s\n" % ("ff" * 16))
        stranger = sidelink.Client(CLIENT, self.dir, "lamp4", self.server.coaps_uri,
                                   server_extra="psk_identity = nobody\n"
                                                "psk_key = %s\n" % PSK_KEY)
        # the right key for another endpoint's name: 4.03
        thief = sidelink.Client(CLIENT, self.dir, "lamp5", self.server.coaps_uri,
                                server_extra="psk_identity = %s\npsk_key = %s\n"
                                             % (PSK_IDENTITY, PSK_KEY))
        for c in (impostor, wrong, stranger, thief):
            c.start()
        try:
            sidelink.wait_for(lambda: "Register of lamp2 from 127.0.0.1" in self.server.log()
                              and "Register of lamp5 from coaps://" in self.server.log(),
                              timeout=10, what="refusals in the logs")
            self.assertIn("register over its secure transport", self.server.log())
            self.assertIn("the PSK identity is not this endpoint's", self.server.log())
            sidelink.wait_for(lambda: self.server.log().count("DTLS handshake from") >= 2,
                              timeout=20, what="two refused handshakes logged")
            self.assertEqual(set(self.server.clients()), {"lamp"})
            self.assertIn("unknown PSK identity \"nobody\"", self.server.log())
            # and the server still serves the good client
            status, body = self.rest("GET", "/3/0/0")
            self.assertTrue(body["success"], body)
        finally:
            for c in (impostor, wrong, stranger, thief):
                c.stop()


class DtlsIdleExpiry(unittest.TestCase):
    """The server closes a DTLS session idle past dtls_idle_timeout (with a
    close_notify): requests to that client fail at once instead of going
    nowhere, and the client's next message starts a new handshake, after
    which the server reaches it again."""

    def test_expired_session_is_refreshed_by_the_client(self):
        d = sidelink.workdir("sidelink-dtls-idle-")
        conf = os.path.join(d, "server.conf")
        with open(conf, "w") as f:
            f.write("dtls_idle_timeout = 10\n")
        server = sidelink.Server(SERVER, d, extra=["--config", conf]).start()
        client = None
        try:
            sidelink.put_psk(server, "sleepy", "sleepy-id", PSK_KEY)
            client = sidelink.Client(CLIENT, d, "sleepy", server.coaps_uri, lifetime=600,
                                     server_extra="psk_identity = sleepy-id\npsk_key = %s\n"
                                     % PSK_KEY).start()
            server.wait_registered("sleepy")
            status, body = server.get("/api/clients/sleepy/3/0/0")
            self.assertTrue(body["success"], body)
            sidelink.wait_for(lambda: server.get("/api/server")[1]["dtlsSessions"] == 0,
                              timeout=20, what="the idle session to be closed")
            status, body = server.get("/api/clients/sleepy/3/0/0")
            self.assertEqual((status, body["error"]), (503, "no_session"), body)  # at once
            # ... and again: a request that failed at once leaves the queue sound
            status, body = server.get("/api/clients/sleepy/3/0/0")
            self.assertEqual((status, body["error"]), (503, "no_session"), body)
            # the client's next Update (a local trigger) handshakes again
            client.wait_control()
            self.assertTrue(client.command("exec /1/0/8")["ok"])
            sidelink.wait_for(lambda: server.get("/api/clients/sleepy/3/0/0")[1].get("success"),
                              timeout=20, what="the server to reach the client again")
        finally:
            if client:
                client.stop()
            server.stop()
            shutil.rmtree(d, ignore_errors=True)


class ClientServerOSCORE(ClientServer):
    """The same operations over OSCORE on plain CoAP (RFC 8613)."""
    security = "oscore"

    def test_server_restart_asks_for_echo(self):
        # the server restarts: its contexts go on above their saved
        # sequence numbers and take requests only after an Echo round trip
        self.server.stop()
        self.server.start()
        status, body = self.rest("GET", "/3/0/0")  # a request of the server's
        self.assertTrue(body["success"], body)
        status, body = self.rest("POST", "/1/0/8")  # the client's Update
        self.assertTrue(body["success"], body)
        sidelink.wait_for(lambda: "answered with an Echo" in self.server.log(), timeout=10,
                          what="the Echo challenge")
        old = self.reg["registrationId"]
        sidelink.wait_for(lambda: self.server.clients().get("lamp", {}).get("lastUpdate", 0) >
                          self.reg["lastUpdate"], timeout=15, what="an Update or Register after it")
        self.assertNotIn("OSCORE response discarded", self.server.log())
        del old

    def test_plain_and_foreign_requests_are_refused(self):
        # the same endpoint over plain CoAP, and an unknown kid: refused, logged
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
        import coap  # noqa: E402
        ep = coap.Endpoint()
        srv = ("127.0.0.1", self.server.coap_port)
        try:
            m = coap.Message(coap.CON, coap.POST, ep.mid(), b"\x01\x02")
            m.add_path("/rd").add_query("ep=lamp", "lt=60")
            m.payload = b"</3/0>"
            r = ep.request(m, srv)
            self.assertEqual(coap.code_str(r.code), "4.03")
            # an OSCORE option with a kid nobody has (flags: kid, 1-byte PIV)
            m = coap.Message(coap.CON, coap.POST, ep.mid(), b"\x03")
            m.add(coap.OSCORE, bytes([0x09, 0x00, 0x7f]))
            m.payload = b"\x00" * 12
            r = ep.request(m, srv)
            self.assertEqual(coap.code_str(r.code), "4.01")
            self.assertEqual(r.payload, b"Security context not found")
            # the lamp's own kid with a payload that does not decrypt: 4.00
            m = coap.Message(coap.CON, coap.POST, ep.mid(), b"\x04")
            m.add(coap.OSCORE, bytes([0x09, 0x05, 0x01]))
            m.payload = b"\x00" * 12
            r = ep.request(m, srv)
            self.assertEqual(coap.code_str(r.code), "4.00")
        finally:
            ep.close()
        self.assertIn("Security context not found", self.server.log())


class OscoreReplay(unittest.TestCase):
    """A protected Register captured on the way (by a UDP relay of ours) and
    sent again under a new message ID gets past the message layer's dedup;
    OSCORE's replay window refuses it (4.01 "Replay detected", logged), and
    the registration it came from is untouched."""

    def test_replayed_request_is_refused(self):
        import socket
        import threading
        d = sidelink.workdir("sidelink-oscore-replay-")
        server = sidelink.Server(SERVER, d).start()
        relay = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        relay.bind(("127.0.0.1", 0))
        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # relay -> server
        up.bind(("127.0.0.1", 0))
        seen, stop = [], threading.Event()

        def pump():
            client_addr = None
            relay.settimeout(0.1)
            up.settimeout(0.1)
            while not stop.is_set():
                for sock in (relay, up):
                    try:
                        data, addr = sock.recvfrom(4096)
                    except socket.timeout:
                        continue
                    if sock is relay:
                        client_addr = addr
                        seen.append(data)
                        up.sendto(data, ("127.0.0.1", server.coap_port))
                    elif client_addr:
                        relay.sendto(data, client_addr)
        t = threading.Thread(target=pump, daemon=True)
        t.start()
        client = None
        try:
            status, body = server.request("PUT", "/api/security/clients", {
                "endpoint": "relayed", "oscore": {"sid": "12", "rid": "11",
                                                  "msec": OSCORE_SECRET}})
            self.assertEqual(status, 200, body)
            client = sidelink.Client(
                CLIENT, d, "relayed", "coap://127.0.0.1:%d" % relay.getsockname()[1],
                server_extra="oscore_sender_id = 11\noscore_recipient_id = 12\n"
                             "oscore_master_secret = %s\n" % OSCORE_SECRET).start()
            reg = server.wait_registered("relayed")
            register = seen[0]
            stop.set()
            t.join()
            # the same protected bytes, a new MID, from elsewhere
            replay = bytearray(register)
            replay[2] ^= 0x5a
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(3)
            s.sendto(bytes(replay), ("127.0.0.1", server.coap_port))
            answer, _ = s.recvfrom(2048)
            s.close()
            self.assertEqual(answer[1], 0x81)  # 4.01
            self.assertIn(b"Replay detected", answer)
            self.assertIn("Replay detected", server.log())
            self.assertEqual(server.clients()["relayed"]["registrationId"],
                             reg["registrationId"])
        finally:
            stop.set()
            relay.close()
            up.close()
            if client:
                client.stop()
            server.stop()
            shutil.rmtree(d, ignore_errors=True)


class ClientAccounts(unittest.TestCase):
    """The C2C account objects on the real client: a server creates a client
    account (11000 + 11001) through the REST API, the secret is never read
    back, the Register lists 11001 but never 11000, and the account
    survives a restart of the client."""

    def test_server_installs_a_client_account(self):
        d = sidelink.workdir("sidelink-c2c-accounts-")
        server = sidelink.Server(SERVER, d).start()
        client = sidelink.Client(CLIENT, d, "host", server.coap_uri).start()
        try:
            server.wait_registered("host")
            status, body = server.request("POST", "/api/clients/host/11000", {
                "id": 0, "kind": "instance", "resources": [
                    {"id": 2, "kind": "singleResource", "type": "INTEGER", "value": 0},
                    {"id": 3, "kind": "singleResource", "type": "OPAQUE", "value": "706565722d6964"},
                    {"id": 5, "kind": "singleResource", "type": "OPAQUE",
                     "value": "00112233445566778899aabbccddeeff"},
                    {"id": 10, "kind": "singleResource", "type": "INTEGER", "value": 7}]})
            self.assertTrue(body["success"], body)
            status, body = server.request("POST", "/api/clients/host/11001", {
                "id": 0, "kind": "instance", "resources": [
                    {"id": 0, "kind": "singleResource", "type": "INTEGER", "value": 7},
                    {"id": 1, "kind": "singleResource", "type": "INTEGER", "value": 3600},
                    {"id": 9, "kind": "singleResource", "type": "STRING", "value": "switch"}]})
            self.assertTrue(body["success"], body)
            status, body = server.request("GET", "/api/clients/host/11000/0/5")
            self.assertFalse(body["success"], body)
            self.assertIn("405", body["status"])
            status, body = server.request("GET", "/api/clients/host/11000/0")
            self.assertTrue(body["success"], body)
            self.assertNotIn("00112233445566778899aabbccddeeff", str(body))
            # a duplicate Short Client ID is refused
            status, body = server.request("POST", "/api/clients/host/11000", {
                "id": 1, "kind": "instance", "resources": [
                    {"id": 2, "kind": "singleResource", "type": "INTEGER", "value": 0},
                    {"id": 10, "kind": "singleResource", "type": "INTEGER", "value": 7}]})
            self.assertFalse(body["success"], body)
            links = sidelink.wait_for(
                lambda: (lambda l: l if "/11001/0" in l else None)(
                    [x["url"] for x in server.clients()["host"]["objectLinks"]]),
                what="an Update listing /11001/0")
            self.assertFalse(any(u.startswith("/11000") for u in links), links)
            client.stop()
            server.wait_gone("host")
            client.start()
            server.wait_registered("host")
            status, body = server.request("GET", "/api/clients/host/11001/0/9")
            self.assertTrue(body["success"], body)
            self.assertEqual(body["content"]["value"], "switch")
        finally:
            client.stop()
            server.stop()
            shutil.rmtree(d, ignore_errors=True)


class Bootstrap(unittest.TestCase):
    """The real client, given only a bootstrap server, bootstraps from the
    real server (--bootstrap) and registers with the account it was given:
    over DTLS with the PSK the bootstrap server wrote, or OSCORE-less plain
    CoAP; after a restart it registers at once, without bootstrapping."""

    def setUp(self):
        self.dir = sidelink.workdir("sidelink-bootstrap-test-")
        self.server = sidelink.Server(SERVER, self.dir, extra=["--bootstrap"]).start()
        self.events = sidelink.Events(self.server)
        self.client = None

    def tearDown(self):
        self.events.close()
        if self.client:
            self.client.stop()
        self.server.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def configure(self, ep, secure):
        account = {"uri": self.server.coap_uri, "bootstrapServer": False,
                   "securityMode": "NO_SEC", "serverId": 1}
        if secure:
            sidelink.put_psk(self.server, ep, ep + "-id", PSK_KEY)
            account = {"uri": self.server.coaps_uri, "bootstrapServer": False,
                       "securityMode": "PSK", "publicKeyOrId": (ep + "-id").encode().hex(),
                       "secretKey": PSK_KEY, "serverId": 1}
        # an endpoint with credentials bootstraps over DTLS too (the server
        # takes plain CoAP only from endpoints without)
        bs_account = {"uri": self.server.coap_uri, "bootstrapServer": True,
                      "securityMode": "NO_SEC"}
        if secure:
            bs_account = dict(account, uri=self.server.coaps_uri, bootstrapServer=True)
            del bs_account["serverId"]
        cfg = {"toDelete": ["/0", "/1"],
               "security": {"0": bs_account, "1": account},
               "servers": {"0": {"shortId": 1, "lifetime": 60, "binding": "U"}}}
        status, body = self.server.request("PUT", "/api/bootstrap/" + ep, cfg)
        self.assertEqual(status, 200, body)

    def bootstrap_and_register(self, ep, secure):
        self.configure(ep, secure)
        bs = "[bootstrap]\nuri = %s\n" % self.server.coap_uri
        if secure:
            bs = ("[bootstrap]\nuri = %s\npsk_identity = %s-id\npsk_key = %s\n"
                  % (self.server.coaps_uri, ep, PSK_KEY))
        self.client = sidelink.Client(CLIENT, self.dir, ep, None, config_extra=bs).start()
        reg = self.server.wait_registered(ep, timeout=20)
        self.assertEqual(reg["secure"], secure)
        self.assertEqual(len([e for e in self.events.of("BOOTSTRAP_FINISHED")]), 1)
        status, body = self.server.request("GET", "/api/clients/%s/3/0/0" % ep)
        self.assertTrue(body["success"], body)
        # the accounts survive a restart: it registers at once, no bootstrap
        self.client.stop()
        self.server.wait_gone(ep)
        self.client.start()
        self.server.wait_registered(ep, timeout=20)
        self.assertEqual(len(self.events.of("BOOTSTRAP_STARTED")), 1)

    def test_bootstrap_then_register_over_dtls(self):
        self.bootstrap_and_register("fresh", True)

    def test_bootstrap_then_register_plain(self):
        self.bootstrap_and_register("plain", False)


class TwoServers(unittest.TestCase):
    """Two server accounts: the client registers with both; with two servers
    access control applies, and an instance one of them creates is its own."""

    def setUp(self):
        self.dir = sidelink.workdir("sidelink-two-servers-")
        self.s1 = sidelink.Server(SERVER, self.dir, db=os.path.join(self.dir, "s1.db")).start()
        self.s2 = sidelink.Server(SERVER, self.dir, db=os.path.join(self.dir, "s2.db"))
        self.s2.name = "server2"
        self.s2.log_path = os.path.join(self.dir, "server2.log")
        self.s2.start()
        extra = "\n[server]\nuri = %s\nshort_id = 2\n" % self.s2.coap_uri
        self.client = sidelink.Client(CLIENT, self.dir, "twin", self.s1.coap_uri,
                                      config_extra="")
        with open(self.client.config, "a") as f:
            f.write("short_id = 1\n" + extra)
        self.client.start()

    def tearDown(self):
        self.client.stop()
        self.s1.stop()
        self.s2.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_registers_with_both_and_owns_what_it_creates(self):
        self.s1.wait_registered("twin")
        self.s2.wait_registered("twin")
        # server 2 creates a light instance: it owns it (an object 2 instance
        # with owner 2 and full rights for 2); server 1 has no right on it
        status, body = self.s2.request("POST", "/api/clients/twin/3311", {
            "id": 7, "kind": "instance",
            "resources": [{"id": 5850, "kind": "singleResource", "type": "BOOLEAN",
                           "value": True}]})
        self.assertTrue(body["success"], body)
        status, body = self.s2.request("GET", "/api/clients/twin/3311/7/5850")
        self.assertTrue(body["success"], body)
        status, body = self.s1.request("GET", "/api/clients/twin/3311/7/5850")
        self.assertFalse(body["success"], body)
        self.assertIn("401", body["status"])
        status, body = self.s2.request("GET", "/api/clients/twin/2")
        self.assertTrue(body["success"], body)
        self.assertIn("3311", str(body["content"]))
        # both servers were told of the new instance
        for srv in (self.s1, self.s2):
            sidelink.wait_for(lambda: any(l["url"] == "/3311/7"
                                          for l in srv.clients()["twin"]["objectLinks"]),
                              what="an Update listing /3311/7")


class Configuration(unittest.TestCase):
    def run_client(self, *args, conf=None):
        d = sidelink.workdir("sidelink-conf-test-")
        argv = [CLIENT] + list(args)
        if conf is not None:
            path = os.path.join(d, "bad.conf")
            with open(path, "w") as f:
                f.write(conf)
            argv += ["--config", path]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=10, cwd=d)
        shutil.rmtree(d, ignore_errors=True)
        return p

    def test_help_and_usage_errors(self):
        p = self.run_client("--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("--endpoint", p.stdout)
        p = self.run_client("--bogus")
        self.assertEqual(p.returncode, 2)
        p = self.run_client("--server", "coap://127.0.0.1:1")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no endpoint name", p.stderr)
        p = self.run_client("--endpoint", "x", "--server", "http://a")
        self.assertEqual(p.returncode, 2)

    def test_config_errors_name_file_line_key(self):
        p = self.run_client(conf="endpoint = ok\nlifetime = soon\n")
        self.assertEqual(p.returncode, 2)
        self.assertRegex(p.stderr, r"bad\.conf:2: lifetime: bad value")
        p = self.run_client(conf="endpoint = ok\n[server]\nuri = coap://127.0.0.1:5683\ncolour = red\n")
        self.assertEqual(p.returncode, 2)
        self.assertRegex(p.stderr, r"bad\.conf:4: colour: unknown key")
        p = self.run_client(conf="endpoint ok\n")
        self.assertEqual(p.returncode, 2)
        self.assertRegex(p.stderr, r"bad\.conf:1:")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    CLIENT, SERVER = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
