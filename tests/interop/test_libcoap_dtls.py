#!/usr/bin/env python3
"""sidelink-server's DTLS 1.2 PSK against independent implementations:
libcoap's coap-client-openssl and coap-client-gnutls register over
coaps:// with TLS_PSK_WITH_AES_128_CCM_8 (the only suite the server offers)
and are refused with a wrong key; a hand-made minimal ClientHello (67
bytes, one cipher suite, no extensions) from a socket of ours draws a
HelloVerifyRequest that is smaller than itself and nothing else (threat T1
of the reference paper: no amplification, no state before a cookie).

usage: test_libcoap_dtls.py SERVER_BINARY
"""

import os
import shutil
import socket
import struct
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration", "lib"))
import sidelink  # noqa: E402

SERVER = None
KEY_TEXT = "sidelink-psk-key"  # libcoap's -k takes the key as text
KEY_HEX = KEY_TEXT.encode().hex()


def coap_client(tool, identity, key, uri, payload="</3/0>"):
    argv = [tool, "-u", identity, "-k", key, "-m", "post", "-t", "40", "-e", payload,
            "-B", "10", uri]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def minimal_client_hello():
    """A DTLS 1.2 ClientHello with an empty cookie, one cipher suite
    (TLS_PSK_WITH_AES_128_CCM_8), null compression and no extensions."""
    body = struct.pack(">H", 0xFEFD) + os.urandom(32)  # client_version, random
    body += b"\x00"                                      # session_id
    body += b"\x00"                                      # cookie
    body += struct.pack(">HH", 2, 0xC0A8)                # cipher_suites
    body += b"\x01\x00"                                  # compression_methods
    hs = struct.pack(">B", 1) + struct.pack(">I", len(body))[1:]  # client_hello, length
    hs += struct.pack(">H", 0) + b"\x00\x00\x00" + struct.pack(">I", len(body))[1:]
    hs += body
    rec = struct.pack(">BHHHIH", 22, 0xFEFF, 0, 0, 0, len(hs))  # epoch 0, seq 0
    return rec + hs


class LibcoapDtls(unittest.TestCase):
    def setUp(self):
        self.dir = sidelink.workdir("sidelink-dtls-interop-")
        self.server = sidelink.Server(SERVER, self.dir).start()

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def register_with(self, tool, ep):
        sidelink.put_psk(self.server, ep, ep + "-id", KEY_HEX)
        uri = "%s/rd?ep=%s&lt=60&lwm2m=1.1&b=U" % (self.server.coaps_uri, ep)
        p = coap_client(tool, ep + "-id", KEY_TEXT, uri)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        reg = self.server.wait_registered(ep)
        self.assertTrue(reg["secure"])
        self.assertEqual([l["url"] for l in reg["objectLinks"]], ["/3/0"])
        # a wrong key: no session, no registration, the refusal is logged
        sidelink.put_psk(self.server, ep + "-x", ep + "-x-id", KEY_HEX)
        uri = "%s/rd?ep=%s-x&lt=60&lwm2m=1.1" % (self.server.coaps_uri, ep)
        before = self.server.log().count("DTLS handshake from")
        p = coap_client(tool, ep + "-x-id", "not-the-key", uri)
        self.assertNotIn(ep + "-x", self.server.clients())
        sidelink.wait_for(lambda: self.server.log().count("DTLS handshake from") > before,
                          timeout=10, what="the refused handshake in the log")
        # the right key for another endpoint's name: the server says 4.03
        uri = "%s/rd?ep=%s-x&lt=60&lwm2m=1.1" % (self.server.coaps_uri, ep)
        p = coap_client(tool, ep + "-id", KEY_TEXT, uri)
        self.assertIn("4.03", p.stdout + p.stderr)
        self.assertNotIn(ep + "-x", self.server.clients())

    def test_coap_client_openssl(self):
        self.register_with("coap-client-openssl", "ossl")

    def test_coap_client_gnutls(self):
        self.register_with("coap-client-gnutls", "gtls")

    def test_client_hello_draws_smaller_hello_verify_request(self):
        hello = minimal_client_hello()
        self.assertEqual(len(hello), 67)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2.0)
        try:
            s.sendto(hello, ("127.0.0.1", self.server.coaps_port))
            reply, _ = s.recvfrom(2048)
            self.assertEqual(reply[0], 22)   # handshake
            self.assertEqual(reply[13], 3)   # hello_verify_request
            self.assertLess(len(reply), len(hello))
            # one reply only, and no session: the server's counters say so
            s.settimeout(0.5)
            with self.assertRaises(socket.timeout):
                s.recvfrom(2048)
        finally:
            s.close()
        status, body = self.server.get("/api/server")
        self.assertEqual(status, 200)
        self.assertEqual(body["dtlsSessions"], 0)
        self.assertGreaterEqual(body["dtlsHelloVerifyRequests"], 1)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    SERVER = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
