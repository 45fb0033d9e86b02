#!/usr/bin/env python3
"""Benchmarks of DTLS PSK and OSCORE (issue 4, DESIGN 6 and 7): writes
bench/results/security.json and security.md.

  1. sidelink-secbench inproc: handshake time and bytes, DTLS record
     overhead, OSCORE overhead and operations per second, context size,
     heap per session (mallinfo2);
  2. sidelink-secbench handshakes against a real sidelink-server --coaps:
     handshakes per second, sources spread so the per-source limit does not
     bind, and once from few sources with the default limit;
  3. valgrind massif on sidelink-server: heap peak with 20 and with 200
     sessions open at once; the difference over 180 is the heap of one
     server-side DTLS session.

usage: python3 bench/security_bench.py --build DIR [--out DIR] [--quick]
(DIR: a Release build with the programs and bench/, see docs/benchmarks.md)
"""

import argparse
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration", "lib"))
import sidelink  # noqa: E402

KEY = "000102030405060708090a0b0c0d0e0f"


def run_json(argv, timeout=600):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise SystemExit("%s failed (%d):\n%s" % (argv[0], p.returncode, p.stderr))
    return json.loads(p.stdout)


def start_server(server_bin, workdir, extra=(), wrapper=()):
    os.makedirs(workdir, exist_ok=True)
    s = sidelink.Server(server_bin, workdir, extra=["--log-level", "warn"] + list(extra))
    s.argv = list(wrapper) + s.argv
    s.start()
    sidelink.put_psk(s, "bench", "bench-id", KEY)
    return s


def load(secbench, server, seconds, parallel, sources):
    return run_json([secbench, "handshakes", "--server", "127.0.0.1:%d" % server.coaps_port,
                     "--identity", "bench-id", "--key", KEY, "--seconds", str(seconds),
                     "--parallel", str(parallel), "--sources", str(sources)])


def massif_peak(path):
    """Largest mem_heap_B + mem_heap_extra_B of a massif.out file."""
    peak = 0
    heap = extra = 0
    with open(path) as f:
        for line in f:
            if line.startswith("mem_heap_B="):
                heap = int(line.split("=")[1])
            elif line.startswith("mem_heap_extra_B="):
                extra = int(line.split("=")[1])
                peak = max(peak, heap + extra)
    return peak


def massif_run(server_bin, secbench, workdir, parallel, seconds):
    out = os.path.join(workdir, "massif.%d.out" % parallel)
    wrapper = ["valgrind", "--tool=massif", "--massif-out-file=" + out]
    wd = os.path.join(workdir, "massif-%d" % parallel)
    s = start_server(server_bin, wd, wrapper=wrapper)
    try:
        r = load(secbench, s, seconds, parallel, max(parallel, 250))
    finally:
        s.stop()
    deadline = time.time() + 30
    while not os.path.exists(out) and time.time() < deadline:
        time.sleep(0.2)
    return massif_peak(out), r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    server_bin = os.path.join(a.build, "apps", "sidelink-server", "sidelink-server")
    secbench = os.path.join(a.build, "bench", "sidelink-secbench")
    for b in (server_bin, secbench):
        if not os.path.exists(b):
            raise SystemExit("missing %s (build with -DCMAKE_BUILD_TYPE=Release)" % b)
    tmp = tempfile.mkdtemp(prefix="sidelink-secbench-")
    results = {"command": "python3 bench/security_bench.py " + " ".join(sys.argv[1:]),
               "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                           "python": platform.python_version()},
               "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    try:
        q = a.quick
        results["inproc"] = run_json([secbench, "inproc", "--handshakes", "300" if q else "3000",
                                      "--sessions", "50" if q else "200",
                                      "--oscore-ops", "20000" if q else "500000"])
        s = start_server(server_bin, os.path.join(tmp, "load"))
        try:
            secs = 2 if q else 10
            results["load_spread"] = load(secbench, s, secs, 64, 20000)
            results["load_few_sources"] = load(secbench, s, secs, 64, 16)
            status, body = s.get("/api/server")
            results["server_counters"] = {k: v for k, v in body.items() if k.startswith("dtls")}
        finally:
            s.stop()
        if shutil.which("valgrind"):
            secs = 3 if q else 6
            lo, rlo = massif_run(server_bin, secbench, tmp, 20, secs)
            hi, rhi = massif_run(server_bin, secbench, tmp, 200, secs)
            results["massif"] = {"peak_20": lo, "peak_200": hi,
                                 "per_session": (hi - lo) // 180,
                                 "handshakes_20": rlo["handshakes"],
                                 "handshakes_200": rhi["handshakes"]}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "security.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    i = results["inproc"]
    L = ["# DTLS and OSCORE benchmarks", "",
         "`%s` on %d CPUs, %s." % (results["command"], os.cpu_count(), results["date"]), "",
         "| what | measured | target |", "| --- | --- | --- |",
         "| bytes a DTLS record adds (CCM-8) | %d | 29 |" % i["dtls_record_overhead_bytes"],
         "| bytes OSCORE adds to a request (Partial IV 1 B, kid 1 B) | %d | 12 + 1 + 1 = 14 |"
         % i["oscore_request_overhead_bytes_seq0_kid1"],
         "| full PSK handshake with cookie: datagrams client->server / server->client | %d / %d | |"
         % (i["dtls_handshake_datagrams_to_server"], i["dtls_handshake_datagrams_to_client"]),
         "| full PSK handshake with cookie: bytes client->server / server->client | %d / %d | |"
         % (i["dtls_handshake_bytes_to_server"], i["dtls_handshake_bytes_to_client"]),
         "| handshake CPU time, both ends in one process | %.0f us | |"
         % i["dtls_handshake_us_both_ends"],
         "| heap per server-side DTLS session (mallinfo2) | %d B | measure (DESIGN 6) |"
         % i["heap_per_server_session_bytes"],
         "| heap of a connecting node with one session (DTLS layer included) | %d B | |"
         % i["heap_per_client_bytes"],
         "| OSCORE context (struct sl_oscore_ctx, key schedules not cached) | %d B | < 128 B |"
         % i["oscore_ctx_bytes"],
         "| OSCORE protect + unprotect per second (one core) | %d | |"
         % i["oscore_protect_unprotect_per_s"]]
    ls = results["load_spread"]
    L.append("| DTLS handshakes/s one server completes (%d sources, %d in parallel) | %d | >= 1000 |"
             % (ls["sources"], ls["parallel"], ls["handshakes_per_s"]))
    lf = results["load_few_sources"]
    L.append("| ... from %d sources with the default per-source limit (20 ClientHellos/s) | %d | |"
             % (lf["sources"], lf["handshakes_per_s"]))
    if "massif" in results:
        m = results["massif"]
        L.append("| heap peak per server DTLS session (massif, (peak 200 - peak 20) / 180) | %d B | |"
                 % m["per_session"])
    L += ["", "Every number: `bench/results/security.json`."]
    with open(os.path.join(a.out, "security.md"), "w") as f:
        f.write("\n".join(L) + "\n")
    print("\n".join(L))


if __name__ == "__main__":
    main()
