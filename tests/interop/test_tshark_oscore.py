#!/usr/bin/env python3
"""Wireshark's OSCORE dissector (tshark) decrypts an exchange that
Sidelink's OSCORE protected: an independent implementation checks our
context derivation, nonces, AAD, option classes and AES-CCM. sl-oscore-pcap
writes a GET /3/0/0 -> 2.05 "Sidelink" (response nonce = request nonce) and
a POST /3311/0/5850 "1" -> 2.04 (response with its own Partial IV) into a
pcap with a fresh random master secret and salt; tshark, given that
context, must show every inner message, and with a wrong secret none.

usage: test_tshark_oscore.py SL_OSCORE_PCAP_BINARY
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

PCAP_TOOL = None
ALG = "AES-CCM-16-64-128 (CCM*)"


def uat(ctx):
    return "uat:oscore_contexts:" + '"%s","%s","%s","%s","","%s"' % (
        ctx["client_sender_id"], ctx["client_recipient_id"], ctx["master_secret"],
        ctx["master_salt"], ALG)


def tshark_verbose(pcap, ctx):
    p = subprocess.run(["tshark", "-r", pcap, "-o", uat(ctx), "-V"], capture_output=True,
                       text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("tshark failed: " + p.stderr)
    return p.stdout


def tshark_fields(pcap, ctx):
    """One dict per packet: the inner (decrypted) CoAP code, Uri-Path and
    payload as tshark sees them."""
    p = subprocess.run(["tshark", "-r", pcap, "-o", uat(ctx),
                        "-T", "fields", "-E", "separator=|", "-E", "occurrence=a",
                        "-e", "coap.code", "-e", "oscore.code", "-e", "oscore.opt.uri_path",
                        "-e", "oscore.payload", "-e", "oscore.tag"],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("tshark failed: " + p.stderr)
    rows = []
    for line in p.stdout.splitlines():
        outer, inner, path, payload, tag = (line.split("|") + [""] * 5)[:5]
        rows.append({"outer": outer, "inner": inner, "path": path, "payload": payload,
                     "tag": tag})
    return rows


class TsharkOscore(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sidelink-tshark-")
        self.pcap = os.path.join(self.dir, "oscore.pcap")
        p = subprocess.run([PCAP_TOOL, self.pcap], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.ctx = json.loads(p.stdout)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_tshark_decrypts_every_message(self):
        rows = tshark_fields(self.pcap, self.ctx)
        self.assertEqual(len(rows), 4, rows)
        # outer codes are POST / 2.04 (RFC 8613 4.2); the inner ones are
        # GET 1, 2.05 = 69, POST 2, 2.04 = 68
        self.assertEqual([r["outer"] for r in rows], ["2", "68", "2", "68"], rows)
        self.assertEqual([r["inner"] for r in rows], ["1", "69", "2", "68"], rows)
        self.assertEqual(rows[0]["path"], "3,0,0")
        self.assertEqual(rows[2]["path"], "3311,0,5850")
        self.assertIn("Length: 8", rows[1]["payload"])
        self.assertIn("Length: 1", rows[2]["payload"])
        # the inner text payload itself
        self.assertIn("Sidelink", tshark_verbose(self.pcap, self.ctx))
        for r in rows:
            self.assertTrue(r["tag"], r)  # tshark verified a tag on each

    def test_wrong_secret_decrypts_nothing(self):
        wrong = dict(self.ctx)
        wrong["master_secret"] = "00" * 16
        rows = tshark_fields(self.pcap, wrong)
        self.assertEqual(len(rows), 4)
        for r in rows:
            self.assertEqual((r["inner"], r["path"], r["tag"]), ("", "", ""), r)
        self.assertNotIn("Sidelink", tshark_verbose(self.pcap, wrong))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    PCAP_TOOL = os.path.abspath(sys.argv[1])
    if not shutil.which("tshark"):
        sys.exit("tshark is not installed (make deps installs it)")
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
