#!/usr/bin/env python3
"""Interop: libcoap's coap-client-notls (an independent CoAP implementation)
stands in for a NoSec LwM2M server and reads, writes and observes objects of
a registered sidelink-client; the same requests from any other address get
4.01.

The client registers with a real sidelink-server, which is then stopped, and
coap-client binds the server's address and port (-a, -p) so the client takes
it for its server.

usage: test_libcoap_client.py CLIENT_BINARY SERVER_BINARY
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration", "lib"))
import sidelink  # noqa: E402

CLIENT = SERVER = None
COAP_CLIENT = shutil.which("coap-client-notls") or "/usr/bin/coap-client-notls"


class LibcoapAsServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = sidelink.workdir("sidelink-interop-")
        cls.server = sidelink.Server(SERVER, cls.dir).start()
        cls.client = sidelink.Client(CLIENT, cls.dir, "interop", cls.server.coap_uri,
                                     lifetime=600, config_extra="temperature.period = 1\n")
        cls.client.start()
        reg = cls.server.wait_registered("interop")
        cls.client_uri = "coap://" + reg["address"]
        cls.server.stop(signal.SIGKILL)  # gone without a word: its port is free
        cls.port = cls.server.coap_port

    @classmethod
    def tearDownClass(cls):
        cls.client.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def coap(self, *args, port=None, timeout=20):
        argv = [COAP_CLIENT, "-a", "127.0.0.1", "-p", str(port or self.port), "-B", "5"] + list(args)
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr

    def test_read(self):
        rc, out = self.coap("-m", "get", "-A", "0", self.client_uri + "/3/0/0")
        self.assertIn("Sidelink", out, out)

    def test_write_then_read(self):
        rc, out = self.coap("-m", "put", "-t", "0", "-e", "1", self.client_uri + "/3311/0/5850")
        self.assertNotIn("4.", out, out)
        rc, out = self.coap("-m", "get", "-A", "0", self.client_uri + "/3311/0/5850")
        self.assertEqual(out.strip(), "1", out)

    def test_observe(self):
        # observe the button's press counter, press three times: coap-client
        # prints the first value and each notification ("0", "1", "2", "3")
        import time
        self.client.wait_control()
        start = int(self.client.command("read /3347/0/5501")["value"])
        argv = [COAP_CLIENT, "-a", "127.0.0.1", "-p", str(self.port), "-s", "4", "-A", "0",
                self.client_uri + "/3347/0/5501"]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(1)
        for _ in range(3):
            self.client.command("press")
            time.sleep(0.4)
        out, _ = p.communicate(timeout=30)
        want = "".join(str(start + k) for k in range(4))
        self.assertIn(want, out.replace("\n", ""), out)

    def test_strangers_get_401(self):
        other = sidelink.free_port()
        rc, out = self.coap("-m", "get", "-A", "0", self.client_uri + "/3/0/0", port=other)
        self.assertIn("4.01", out, out)
        self.assertNotIn("Sidelink", out)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    CLIENT, SERVER = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
