#!/usr/bin/env python3
"""`make demo`: a live LwM2M deployment on this machine, on loopback.

A sidelink-server and two sidelink-clients start ("switch" with a push
button, over DTLS 1.2 with a pre-shared key; "lamp" with a light, over
OSCORE), each with credentials the demo gives the server through its REST
API first; the server binds the switch's button to the
lamp's light (it observes the button and writes each new state to the
light); then the button is pressed a few times and each press's arrival at
the lamp is timed by polling the lamp's control socket. Everything started
here is stopped on exit, error or Ctrl-C.

usage: demo.py BUILD_DIR [PRESSES]
"""

import os
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration", "lib"))
import sidelink  # noqa: E402


def say(msg):
    print("[%7.3f s] %s" % (time.monotonic() - T0, msg), flush=True)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    presses = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    server_bin = os.path.join(build, "apps", "sidelink-server", "sidelink-server")
    client_bin = os.path.join(build, "apps", "sidelink-client", "sidelink-client")
    work = sidelink.workdir("sidelink-demo-")
    started = []

    def stop_all(*_):
        for d in reversed(started):
            d.stop()
        started.clear()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    try:
        server = sidelink.Server(server_bin, work).start()
        started.append(server)
        say("sidelink-server: CoAP %s, REST %s" % (server.coap_uri, server.url))
        psk = os.urandom(16).hex()
        sidelink.put_psk(server, "switch", "switch-id", psk)
        secret, salt = os.urandom(16).hex(), os.urandom(8).hex()
        status, body = server.request("PUT", "/api/security/clients", {
            "endpoint": "lamp", "oscore": {"sid": "02", "rid": "01", "msec": secret,
                                           "msalt": salt}})
        if status != 200:
            raise SystemExit("demo: the server refused the lamp's credentials: %s" % body)
        say("credentials: switch has a DTLS PSK, lamp an OSCORE context (random keys)")
        switch = sidelink.Client(client_bin, work, "switch", server.coaps_uri,
                                 config_extra="objects = 3347\n",
                                 server_extra="psk_identity = switch-id\npsk_key = %s\n" % psk
                                 ).start()
        started.append(switch)
        lamp = sidelink.Client(client_bin, work, "lamp", server.coap_uri,
                               config_extra="objects = 3311\n",
                               server_extra="oscore_sender_id = 01\noscore_recipient_id = 02\n"
                                            "oscore_master_secret = %s\noscore_master_salt = %s\n"
                                            % (secret, salt)).start()
        started.append(lamp)
        for c, how in ((switch, "DTLS PSK, " + server.coaps_uri), (lamp, "OSCORE")):
            reg = server.wait_registered(c.endpoint)
            say("%s registered from %s (%s, secure=%s), objects %s" % (
                c.endpoint, reg["address"], how, reg["secure"],
                " ".join(l["url"] for l in reg["objectLinks"] if l["url"].count("/") == 2)))
            c.wait_control()
        status, body = server.request("POST", "/api/bindings", {
            "source": "switch:/3347/0/5500", "target": "lamp:/3311/0/5850"})
        if status not in (200, 201):
            raise SystemExit("demo: the server refused the binding: %s %s" % (status, body))
        say("binding: switch:/3347/0/5500 (push button) -> lamp:/3311/0/5850 (light), "
            "through the server")
        sidelink.wait_for(lambda: server.get("/api/bindings")[1], what="the binding to be listed")
        time.sleep(0.5)  # the server's observation of the button is in place
        times = []
        for n in range(1, presses + 1):
            before = lamp.command("read /3311/0/5850")["value"]
            t0 = time.monotonic()
            pressed = switch.command("press")
            want = pressed["value"]
            say("press %d: button is now %s" % (n, "on" if want else "off"))
            try:
                sidelink.wait_for(lambda: lamp.command("read /3311/0/5850")["value"] == want,
                                  timeout=5, step=0.002, what="the light to follow")
            except AssertionError:
                say("press %d: the light stayed %s (no arrival within 5 s)" %
                    (n, "on" if before else "off"))
                continue
            ms = (time.monotonic() - t0) * 1000
            times.append(ms)
            say("press %d: light is %s after %.1f ms (switch -> server -> lamp)" %
                (n, "on" if want else "off", ms))
            time.sleep(1)
        if times:
            times.sort()
            say("%d of %d presses arrived; median %.1f ms, max %.1f ms" % (
                len(times), presses, times[len(times) // 2], times[-1]))
        say("the client-to-client path arrives with the C2C issue; this is the "
            "server-centric baseline")
        return 0 if len(times) == presses else 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        stop_all()
        say("stopped everything this demo started (logs were in %s)" % work)
        shutil.rmtree(work, ignore_errors=True)


T0 = time.monotonic()
if __name__ == "__main__":
    sys.exit(main())
