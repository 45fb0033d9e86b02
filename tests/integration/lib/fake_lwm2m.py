"""A fake LwM2M client in Python for integration tests of sidelink-server:
registers, updates, de-registers, and serves the server's requests against
an in-memory resource table (read, write, execute, create, delete,
discover, write-attributes, composite read/write, observe) in TLV, plain
text, opaque, SenML CBOR and block-wise (Block1/Block2). Misbehaviours for
tests: mode "silent" (never answers), "separate" (empty ACK, then a CON
response), "drop_first" (ignores the first transmission of each request).

    c = FakeClient(("127.0.0.1", 5683), "dev1", {(3, 0, 0): "Sidelink", (3303, 0, 5700): 21.5})
    c.start(); c.register(lifetime=60)
    ...; c.notify((3303, 0, 5700), 22.0)
    c.deregister(); c.close()
"""

import queue
import struct
import threading
import time

import coap
import lwm2m
from coap import Message


def _path_tuple(msg):
    segs = [v.decode() for v in msg.get(coap.URI_PATH)]
    if not all(s.isdigit() for s in segs):
        return None
    return tuple(int(s) for s in segs)


class FakeClient:
    def __init__(self, server, endpoint, values=None, objects=None, block_size=1024):
        self.server = server
        self.name = endpoint
        self.ep = coap.Endpoint()
        self.values = dict(values or {})     # (o,i,r) -> value or {ri: value}
        self.extra_objects = list(objects or [])  # objects without instances to announce
        self.executed = []                   # (path, args bytes)
        self.requests = []                   # every request from the server (Message)
        self.attributes = {}                 # path -> "pmin=1&pmax=5"
        self.observations = {}               # path -> [token, seq, accept]
        self.mode = "normal"
        self.block_size = block_size
        self.location = None
        self.registered = threading.Event()
        self._responses = {}                 # token -> Queue of responses to our requests
        self._dedup = {}                     # mid -> reply bytes
        self._seen_once = set()
        self._block1 = {}                    # path -> bytearray
        self._lock = threading.RLock()
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.writes = []                     # (path, value) in arrival order

    # ---- life cycle ----
    def start(self):
        self._thread.start()
        return self

    def close(self):
        self._stop = True
        self._thread.join(2)
        self.ep.close()

    @property
    def addr(self):
        return self.ep.addr

    def instances(self):
        out = set()
        for k in self.values:
            out.add((k[0], k[1]))
        return sorted(out)

    def link_payload(self):
        paths = ["/%d/%d" % oi for oi in self.instances()]
        paths += ["/%d" % o for o in self.extra_objects]
        return lwm2m.links(paths)

    # ---- our requests to the server ----
    def call(self, msg, timeout=5.0, retransmit=True):
        """Send a request and wait for the response (retransmitting CONs)."""
        q = queue.Queue()
        with self._lock:
            self._responses[msg.token] = q
        deadline = time.time() + timeout
        wait = 1.0
        try:
            while True:
                self.ep.send(msg, self.server)
                try:
                    return q.get(timeout=min(wait, max(0.01, deadline - time.time())))
                except queue.Empty:
                    if time.time() >= deadline or not retransmit:
                        return None
                    wait *= 2
        finally:
            with self._lock:
                self._responses.pop(msg.token, None)

    def _new_request(self, method, path):
        m = Message(coap.CON, method, self.ep.mid(), struct.pack("!I", self.ep.mid() << 8 | 7))
        return m.add_path(path)

    def register(self, lifetime=300, version="1.1", binding="U", extra=(), payload=None,
                 timeout=5.0):
        m = self._new_request(coap.POST, "/rd")
        m.add_query("ep=" + self.name, "lt=%d" % lifetime, "lwm2m=" + version, "b=" + binding, *extra)
        m.set_uint(coap.CONTENT_FORMAT, coap.LINK)
        m.payload = self.link_payload() if payload is None else payload
        r = self.call(m, timeout)
        if r is not None and r.code == coap.CREATED:
            self.location = r.location()
            self.registered.set()
        return r

    def update(self, lifetime=None, payload=None, timeout=5.0):
        m = self._new_request(coap.POST, self.location)
        if lifetime is not None:
            m.add_query("lt=%d" % lifetime)
        if payload is not None:
            m.set_uint(coap.CONTENT_FORMAT, coap.LINK)
            m.payload = payload
        return self.call(m, timeout)

    def deregister(self, timeout=5.0):
        return self.call(self._new_request(coap.DELETE, self.location), timeout)

    # ---- notifications ----
    def set(self, path, value):
        with self._lock:
            self.values[path] = value

    def notify(self, path, value=None, con=False, seq=None):
        """Change a value and send a notification if the server observes it.
        Returns False when nothing observes the path."""
        with self._lock:
            if value is not None:
                self.values[path] = value
            obs = self.observations.get(path)
            if not obs:
                return False
            if seq is None:
                obs[1] += 1
                seq = obs[1]
            token, _, accept = obs
            s = seq  # an explicit seq (to test reordering) leaves the counter alone
            code_, fmt, payload = self._read(path, accept)
        m = Message(coap.CON if con else coap.NON, code_, self.ep.mid(), token)
        m.set_uint(coap.OBSERVE, s & 0xFFFFFF)
        if fmt is not None:
            m.set_uint(coap.CONTENT_FORMAT, fmt)
        if len(payload) > self.block_size:
            # the first block only; the observer fetches the rest (RFC 7959 2.6)
            m.set_uint(coap.BLOCK2, coap.block_value(0, True, coap.szx_of(self.block_size)))
            payload = payload[:self.block_size]
        m.payload = payload
        self.ep.send(m, self.server)
        return True

    # ---- serving ----
    def _run(self):
        while not self._stop:
            try:
                data, frm = self.ep.recv_raw(0.1)
            except OSError:
                return
            if data is None:
                continue
            try:
                msg = Message.decode(data)
            except coap.CoapError:
                continue
            if msg.is_request():
                # under the lock until the answer is sent, so that nobody sees
                # an observation (and notifies) before its first response left
                with self._lock:
                    self._on_request(msg, frm)
            elif msg.is_response():
                with self._lock:
                    q = self._responses.get(msg.token)
                if q is not None:
                    if msg.type == coap.CON:
                        self.ep.send(coap.ack_for(msg), frm)
                    q.put(msg)

    def _on_request(self, msg, frm):
        with self._lock:
            self.requests.append(msg)
            if msg.type == coap.CON and msg.mid in self._dedup:
                self.ep.send(self._dedup[msg.mid], frm)
                return
            mode = self.mode
        if mode == "silent":
            return
        if mode == "drop_first" and msg.mid not in self._seen_once:
            self._seen_once.add(msg.mid)
            return
        try:
            rcode, opts, payload = self._handle(msg)
        except Exception as e:  # a bug in a test request: answer 5.00
            rcode, opts, payload = coap.INTERNAL_SERVER_ERROR, [], str(e).encode()
        if mode == "separate" and msg.type == coap.CON:
            self.ep.send(coap.ack_for(msg), frm)
            time.sleep(0.05)
            resp = Message(coap.CON, rcode, self.ep.mid(), msg.token, opts, payload)
            self.ep.send(resp, frm)
            return
        if msg.type == coap.CON:
            resp = Message(coap.ACK, rcode, msg.mid, msg.token, opts, payload)
        else:
            resp = Message(coap.NON, rcode, self.ep.mid(), msg.token, opts, payload)
        data = resp.encode()
        with self._lock:
            self._dedup[msg.mid] = data
        self.ep.send(data, frm)

    # ---- the resource table ----
    def _exists(self, p):
        with self._lock:
            if len(p) == 1:
                return any(k[0] == p[0] for k in self.values) or p[0] in self.extra_objects
            if len(p) == 2:
                return any(k[:2] == p for k in self.values)
            if len(p) == 3:
                return p in self.values
            if len(p) == 4:
                v = self.values.get(p[:3])
                return isinstance(v, dict) and p[3] in v
        return False

    def _records(self, p):
        """[(path tuple, value)] within p."""
        with self._lock:
            out = []
            for k, v in sorted(self.values.items()):
                if v is None:
                    continue  # the marker of an empty instance
                if k[:len(p)] != p[:3] and not (len(p) == 4 and k == p[:3]):
                    continue
                if isinstance(v, dict):
                    for ri, x in sorted(v.items()):
                        if len(p) == 4 and ri != p[3]:
                            continue
                        out.append((k + (ri,), x))
                else:
                    out.append((k, v))
            return out

    def _encode(self, p, fmt):
        recs = self._records(p)
        if fmt == coap.TEXT:
            if len(p) < 3 or len(recs) != 1 or isinstance(self.values.get(p[:3]), dict) and len(p) == 3:
                return None
            v = recs[0][1]
            if isinstance(v, bool):
                return b"1" if v else b"0"
            if isinstance(v, bytes):
                import base64
                return base64.b64encode(v)
            if isinstance(v, tuple):
                return ("%d:%d" % (v[1], v[2])).encode()
            return str(v).encode()
        if fmt == coap.OPAQUE:
            if len(recs) != 1 or not isinstance(recs[0][1], bytes):
                return None
            return recs[0][1]
        if fmt == coap.SENML_CBOR:
            return lwm2m.senml_encode([("/" + "/".join(map(str, k)), v) for k, v in recs])
        if fmt == coap.TLV:
            with self._lock:
                if len(p) == 4:
                    return lwm2m.tlv_one(lwm2m.TLV_RES_INSTANCE, p[3], lwm2m.tlv_value_bytes(recs[0][1]))
                if len(p) == 3:
                    return lwm2m.tlv_resource(p[2], self.values[p])
                insts = {}
                for k, v in self.values.items():
                    if k[:len(p)] == p:
                        insts.setdefault(k[1], {})[k[2]] = v
                if len(p) == 2:
                    return b"".join(lwm2m.tlv_resource(r, v) for r, v in sorted(insts[p[1]].items()))
                return b"".join(lwm2m.tlv_instance(i, rs) for i, rs in sorted(insts.items()))
        return None

    def _read(self, p, accept):
        if not self._exists(p):
            return coap.NOT_FOUND, None, b""
        fmt = accept
        if fmt is None:
            v = self.values.get(p[:3]) if len(p) >= 3 else None
            if len(p) == 4 or (len(p) == 3 and not isinstance(v, dict)):
                fmt = coap.OPAQUE if isinstance(v, bytes) else coap.TEXT
            else:
                fmt = coap.TLV
        payload = self._encode(p, fmt)
        if payload is None:
            return coap.NOT_ACCEPTABLE, None, b""
        return coap.CONTENT, fmt, payload

    def _sample(self, k):
        """A value showing the type of resource k=(o,i,r): its own, or the same
        resource of another instance."""
        if k in self.values and self.values[k] is not None:
            return self.values[k]
        for kk, v in self.values.items():
            if kk[0] == k[0] and kk[2] == k[2] and v is not None:
                return v
        return b""

    def _convert(self, old, raw, fmt):
        """A written value in the type of the current one."""
        if fmt == coap.TEXT:
            s = raw.decode()
            if isinstance(old, bool):
                return s == "1"
            if isinstance(old, int):
                return int(s)
            if isinstance(old, float):
                return float(s)
            if isinstance(old, bytes):
                import base64
                return base64.b64decode(s)
            return s
        # TLV bytes
        if isinstance(old, bool):
            return raw != b"\x00"
        if isinstance(old, int):
            return lwm2m.tlv_int(raw)
        if isinstance(old, float):
            return struct.unpack("!f" if len(raw) == 4 else "!d", raw)[0]
        if isinstance(old, str):
            return raw.decode()
        return raw

    def _write(self, p, fmt, payload, create_iid=None):
        """Apply a write; returns the CoAP code."""
        with self._lock:
            if fmt == coap.TEXT or fmt is None:
                if len(p) != 3:
                    return coap.BAD_REQUEST
                self.values[p] = self._convert(self.values.get(p), payload, coap.TEXT)
                self.writes.append((p, self.values[p]))
                return coap.CHANGED
            if fmt == coap.OPAQUE:
                self.values[p] = payload
                self.writes.append((p, payload))
                return coap.CHANGED
            if fmt == coap.SENML_CBOR:
                for name, v in lwm2m.senml_decode(payload):
                    k = tuple(int(x) for x in name.strip("/").split("/"))
                    if len(k) == 4:
                        self.values.setdefault(k[:3], {})[k[3]] = v
                    else:
                        self.values[k] = v
                    self.writes.append((k, v))
                return coap.CHANGED
            if fmt == coap.TLV:
                items = lwm2m.tlv_parse(payload)
                base = list(p)
                if create_iid is not None:
                    base = [p[0]]
                    if items and items[0][0] != lwm2m.TLV_INSTANCE:
                        items = [(lwm2m.TLV_INSTANCE, create_iid, items)]
                    elif not items:
                        items = [(lwm2m.TLV_INSTANCE, create_iid, [])]
                self._apply_tlv(tuple(base), items)
                return coap.CHANGED
        return coap.UNSUPPORTED_CONTENT_FORMAT

    def _apply_tlv(self, base, items):
        for kind, ident, val in items:
            if kind == lwm2m.TLV_INSTANCE:
                if not val:
                    self.values.setdefault((base[0], ident, 65535), None)
                self._apply_tlv((base[0], ident), val)
            elif kind == lwm2m.TLV_MULTIPLE:
                k = (base + (ident,))[:3]
                old = self._sample(k)
                sample = next(iter(old.values()), 0) if isinstance(old, dict) else 0
                self.values[k] = {ri: self._convert(sample, v, coap.TLV) for _, ri, v in val}
                self.writes.append((k, self.values[k]))
            elif kind == lwm2m.TLV_RESOURCE:
                k = (base + (ident,))[:3] if len(base) == 2 else base[:3]
                self.values[k] = self._convert(self._sample(k), val, coap.TLV)
                self.writes.append((k, self.values[k]))
            elif kind == lwm2m.TLV_RES_INSTANCE:
                k = base[:3]
                d = self.values.setdefault(k, {})
                d[ident] = self._convert(next(iter(d.values()), 0), val, coap.TLV)
                self.writes.append((k + (ident,), d[ident]))

    def _blockwise_out(self, msg, payload, opts):
        """Cut a response into Block2 pieces when it is larger than block_size."""
        size = self.block_size
        b2 = msg.block(coap.BLOCK2)
        num = 0
        if b2:
            num, _, szx = b2
            size = min(size, 16 << szx)
        if len(payload) <= size and not b2:
            return payload, opts
        chunk = payload[num * size:(num + 1) * size]
        more = (num + 1) * size < len(payload)
        opts = opts + [(coap.BLOCK2, coap.uint_bytes(coap.block_value(num, more, coap.szx_of(size))))]
        return chunk, opts

    def _handle(self, msg):
        p = _path_tuple(msg)
        accept = msg.uint(coap.ACCEPT)
        fmt = msg.uint(coap.CONTENT_FORMAT)
        if msg.code in (coap.FETCH, coap.IPATCH):
            if fmt != coap.SENML_CBOR:
                return coap.UNSUPPORTED_CONTENT_FORMAT, [], b""
            if msg.code == coap.IPATCH:
                return self._write((), fmt, msg.payload), [], b""
            recs = []
            for name, _ in lwm2m.senml_decode(msg.payload):
                k = tuple(int(x) for x in name.strip("/").split("/"))
                recs += [("/" + "/".join(map(str, kk)), v) for kk, v in self._records(k)]
            return coap.CONTENT, [(coap.CONTENT_FORMAT, coap.uint_bytes(coap.SENML_CBOR))], \
                lwm2m.senml_encode(recs)
        if p is None or len(p) == 0:
            return coap.NOT_FOUND, [], b""
        if msg.code == coap.GET:
            if accept == coap.LINK:
                if not self._exists(p):
                    return coap.NOT_FOUND, [], b""
                parts = []
                for k, _ in self._records(p[:2] if len(p) >= 2 else p):
                    q = "/" + "/".join(map(str, k[:3]))
                    if q not in parts:
                        parts.append(q)
                txt = ",".join("<%s>%s" % (x, (";" + self.attributes[x]) if x in self.attributes else "")
                               for x in ["/" + "/".join(map(str, p))] + parts if True)
                return coap.CONTENT, [(coap.CONTENT_FORMAT, coap.uint_bytes(coap.LINK))], txt.encode()
            obs = msg.uint(coap.OBSERVE)
            rcode, rfmt, payload = self._read(p, accept)
            opts = []
            if rcode == coap.CONTENT and obs == 0:
                with self._lock:
                    self.observations[p] = [msg.token, 1, accept]
                opts.append((coap.OBSERVE, coap.uint_bytes(1)))
            elif obs == 1:
                with self._lock:
                    self.observations.pop(p, None)
            if rfmt is not None:
                opts.append((coap.CONTENT_FORMAT, coap.uint_bytes(rfmt)))
            payload, opts = self._blockwise_out(msg, payload, opts)
            return rcode, opts, payload
        if msg.code == coap.PUT:
            if msg.queries() and not msg.payload:
                self.attributes["/" + "/".join(map(str, p))] = "&".join(msg.queries())
                return coap.CHANGED, [], b""
            b1 = msg.block(coap.BLOCK1)
            if b1:
                num, more, szx = b1
                buf = self._block1.setdefault(p, bytearray())
                if num * (16 << szx) != len(buf):
                    return coap.REQUEST_ENTITY_INCOMPLETE, [], b""
                buf += msg.payload
                if more:
                    return coap.CONTINUE, [(coap.BLOCK1, coap.uint_bytes(coap.block_value(num, True, szx)))], b""
                payload = bytes(self._block1.pop(p))
                rcode = self._write(p, fmt, payload)
                return rcode, [(coap.BLOCK1, coap.uint_bytes(coap.block_value(num, False, szx)))], b""
            if not self._exists(p) and len(p) >= 2:
                return coap.NOT_FOUND, [], b""
            return self._write(p, fmt, msg.payload), [], b""
        if msg.code == coap.POST:
            if len(p) == 3:
                if not self._exists(p):
                    return coap.NOT_FOUND, [], b""
                with self._lock:
                    self.executed.append((p, msg.payload))
                return coap.CHANGED, [], b""
            if len(p) == 1:
                with self._lock:
                    used = {i for (o, i) in self.instances() if o == p[0]}
                    iid = 0
                    while iid in used:
                        iid += 1
                    items = lwm2m.tlv_parse(msg.payload) if fmt == coap.TLV else []
                    if items and items[0][0] == lwm2m.TLV_INSTANCE:
                        iid = items[0][1]
                        if iid in used:
                            return coap.BAD_REQUEST, [], b"instance exists"
                    if fmt == coap.SENML_CBOR:
                        rc = self._write(p, fmt, msg.payload)
                    elif msg.payload:
                        rc = self._write(p, coap.TLV, msg.payload, create_iid=iid)
                    else:
                        self.values[(p[0], iid, 65535)] = None
                        rc = coap.CHANGED
                if rc != coap.CHANGED:
                    return rc, [], b""
                return coap.CREATED, [(coap.LOCATION_PATH, str(p[0]).encode()),
                                      (coap.LOCATION_PATH, str(iid).encode())], b""
            if len(p) == 2:
                if not self._exists(p):
                    return coap.NOT_FOUND, [], b""
                return self._write(p, fmt, msg.payload), [], b""
        if msg.code == coap.DELETE:
            if len(p) != 2:
                return coap.METHOD_NOT_ALLOWED, [], b""
            with self._lock:
                keys = [k for k in self.values if k[:2] == p]
                if not keys:
                    return coap.NOT_FOUND, [], b""
                for k in keys:
                    del self.values[k]
            return coap.DELETED, [], b""
        return coap.METHOD_NOT_ALLOWED, [], b""
