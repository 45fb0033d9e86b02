"""LwM2M data formats for Sidelink's integration tests: TLV, plain text,
CBOR (a small RFC 8949 subset), SenML CBOR, and CoRE link format.
Standard library only. Values are Python types: int, float, bool, str,
bytes (opaque), ("objlnk", oid, iid)."""

import struct

# ---- TLV ----
TLV_INSTANCE, TLV_RES_INSTANCE, TLV_MULTIPLE, TLV_RESOURCE = 0, 1, 2, 3


def tlv_value_bytes(v):
    if isinstance(v, bool):
        return b"\x01" if v else b"\x00"
    if isinstance(v, int):
        for n, fmt in ((1, "!b"), (2, "!h"), (4, "!i"), (8, "!q")):
            try:
                return struct.pack(fmt, v)
            except struct.error:
                continue
        raise ValueError("integer out of range")
    if isinstance(v, float):
        f = struct.pack("!f", v)
        return f if struct.unpack("!f", f)[0] == v else struct.pack("!d", v)
    if isinstance(v, str):
        return v.encode()
    if isinstance(v, bytes):
        return v
    if isinstance(v, tuple) and v[0] == "objlnk":
        return struct.pack("!HH", v[1], v[2])
    raise TypeError("cannot encode %r" % (v,))


def tlv_one(kind, ident, value):
    t = kind << 6
    idb = struct.pack("!B", ident) if ident < 256 else struct.pack("!H", ident)
    if ident >= 256:
        t |= 0x20
    n = len(value)
    if n < 8:
        t |= n
        lb = b""
    elif n < 256:
        t |= 0x08
        lb = struct.pack("!B", n)
    elif n < 65536:
        t |= 0x10
        lb = struct.pack("!H", n)
    else:
        t |= 0x18
        lb = struct.pack("!I", n)[1:]
    return bytes([t]) + idb + lb + value


def tlv_resource(rid, v):
    """A Resource TLV, or a Multiple Resource TLV when v is a dict ri -> value."""
    if isinstance(v, dict):
        inner = b"".join(tlv_one(TLV_RES_INSTANCE, ri, tlv_value_bytes(x))
                         for ri, x in sorted(v.items()))
        return tlv_one(TLV_MULTIPLE, rid, inner)
    return tlv_one(TLV_RESOURCE, rid, tlv_value_bytes(v))


def tlv_instance(iid, resources):
    return tlv_one(TLV_INSTANCE, iid, b"".join(tlv_resource(r, v) for r, v in sorted(resources.items())))


def tlv_parse(data):
    """[(kind, id, value_bytes_or_children)] ; children for instance/multiple."""
    out = []
    pos = 0
    while pos < len(data):
        t = data[pos]
        pos += 1
        kind = t >> 6
        if t & 0x20:
            ident = struct.unpack("!H", data[pos:pos + 2])[0]
            pos += 2
        else:
            ident = data[pos]
            pos += 1
        ls = (t >> 3) & 3
        if ls == 0:
            n = t & 7
        else:
            n = int.from_bytes(data[pos:pos + ls], "big")
            pos += ls
        val = data[pos:pos + n]
        if len(val) != n:
            raise ValueError("TLV truncated")
        pos += n
        if kind in (TLV_INSTANCE, TLV_MULTIPLE):
            out.append((kind, ident, tlv_parse(val)))
        else:
            out.append((kind, ident, bytes(val)))
    return out


def tlv_int(b):
    return int.from_bytes(b, "big", signed=True)


# ---- CBOR ----
def cbor_head(major, arg):
    if arg < 24:
        return bytes([(major << 5) | arg])
    for n, ai in ((1, 24), (2, 25), (4, 26), (8, 27)):
        if arg < (1 << (8 * n)):
            return bytes([(major << 5) | ai]) + arg.to_bytes(n, "big")
    raise ValueError("too large")


def cbor_encode(v):
    if v is None:
        return b"\xf6"
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if isinstance(v, int):
        return cbor_head(0, v) if v >= 0 else cbor_head(1, -1 - v)
    if isinstance(v, float):
        return b"\xfb" + struct.pack("!d", v)
    if isinstance(v, bytes):
        return cbor_head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return cbor_head(3, len(b)) + b
    if isinstance(v, (list, tuple)):
        return cbor_head(4, len(v)) + b"".join(cbor_encode(x) for x in v)
    if isinstance(v, dict):
        return cbor_head(5, len(v)) + b"".join(cbor_encode(k) + cbor_encode(x) for k, x in v.items())
    raise TypeError("cannot CBOR-encode %r" % (v,))


def cbor_decode(data):
    v, pos = _cbor_item(data, 0)
    if pos != len(data):
        raise ValueError("bytes after the CBOR item")
    return v


def _cbor_item(d, pos):
    ib = d[pos]
    pos += 1
    major, ai = ib >> 5, ib & 31
    if major == 7:
        if ai == 20:
            return False, pos
        if ai == 21:
            return True, pos
        if ai == 22:
            return None, pos
        if ai == 25:
            return _half(d[pos:pos + 2]), pos + 2
        if ai == 26:
            return struct.unpack("!f", d[pos:pos + 4])[0], pos + 4
        if ai == 27:
            return struct.unpack("!d", d[pos:pos + 8])[0], pos + 8
        raise ValueError("simple value %d" % ai)
    if ai < 24:
        arg = ai
    elif ai <= 27:
        n = 1 << (ai - 24)
        arg = int.from_bytes(d[pos:pos + n], "big")
        pos += n
    else:
        raise ValueError("indefinite or reserved")
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major in (2, 3):
        b = bytes(d[pos:pos + arg])
        return (b if major == 2 else b.decode()), pos + arg
    if major == 4:
        out = []
        for _ in range(arg):
            x, pos = _cbor_item(d, pos)
            out.append(x)
        return out, pos
    if major == 5:
        out = {}
        for _ in range(arg):
            k, pos = _cbor_item(d, pos)
            x, pos = _cbor_item(d, pos)
            out[k if not isinstance(k, list) else tuple(k)] = x
        return out, pos
    if major == 6:
        x, pos = _cbor_item(d, pos)
        return ("tag", arg, x), pos
    raise ValueError("major %d" % major)


def _half(b):
    h = struct.unpack("!H", b)[0]
    s, e, m = h >> 15, (h >> 10) & 31, h & 1023
    if e == 0:
        v = m * 2.0 ** -24
    elif e == 31:
        v = float("inf") if m == 0 else float("nan")
    else:
        v = (1 + m / 1024.0) * 2.0 ** (e - 15)
    return -v if s else v


# ---- SenML CBOR (labels: bn -2, n 0, v 2, vs 3, vb 4, vd 8, vlo "vlo") ----
def senml_decode(data):
    """[(name, value)] with bn resolved; value None when absent."""
    out = []
    bn = ""
    for rec in cbor_decode(data):
        if -2 in rec:
            bn = rec[-2]
        name = bn + rec.get(0, "")
        val = None
        for k in (2, 3, 4, 8, "vlo"):
            if k in rec:
                val = rec[k]
        out.append((name, val))
    return out


def senml_encode(records):
    """records: [(absolute name, value or None)] -> SenML CBOR (no bn)."""
    pack = []
    for name, v in records:
        rec = {0: name}
        if v is None:
            pass
        elif isinstance(v, bool):
            rec[4] = v
        elif isinstance(v, (int, float)):
            rec[2] = v
        elif isinstance(v, str):
            rec[3] = v
        elif isinstance(v, bytes):
            rec[8] = v
        elif isinstance(v, tuple) and v[0] == "objlnk":
            rec["vlo"] = "%d:%d" % (v[1], v[2])
        pack.append(rec)
    return cbor_encode(pack)


# ---- CoRE links ----
def links(paths, root_attrs='rt="oma.lwm2m";ct=11543'):
    """Register payload: '</>;rt=..,</1/0>,...' from ["/1/0", "/3/0", ("/3303", "ver=1.1")]."""
    parts = ["</>;" + root_attrs] if root_attrs else []
    for p in paths:
        if isinstance(p, tuple):
            parts.append("<%s>;%s" % p)
        else:
            parts.append("<%s>" % p)
    return ",".join(parts).encode()
