#!/usr/bin/env python3
"""Write the seed corpora of fuzz_coap and fuzz_request_path: real LwM2M
requests (and a few responses) as CoAP datagrams, encoded here by hand so
the seeds do not depend on the encoder under test.

    python3 tests/fuzz/make_coap_corpus.py

Rewrites tests/fuzz/corpus/fuzz_coap/seed-* and
tests/fuzz/corpus/fuzz_request_path/seed-*; other files there (inputs the
fuzzer found, regression inputs) are left alone.

fuzz_request_path reads byte 3 (the low byte of the message ID) as its
configuration and an odd first byte (odd token length) as "also from an
unknown source"; several datagrams in one input are joined by SEP.
"""
import os

CON, NON, ACK, RST = 0, 1, 2, 3
GET, POST, PUT, DELETE, FETCH, IPATCH = 1, 2, 3, 4, 5, 7

# option numbers
OBSERVE, URI_PATH, CONTENT_FORMAT, URI_QUERY, ACCEPT = 6, 11, 12, 15, 17
BLOCK2, BLOCK1, SIZE2, SIZE1, LOCATION_PATH = 23, 27, 28, 60, 8

TEXT, LINK, OPAQUE, SENML_CBOR, TLV, LWM2M_CBOR = 0, 40, 42, 112, 11542, 11544

SEP = bytes([0xF7, 0xF7, 0xD5, 0x5D])


def ext(v):
    """RFC 7252 3.1: nibble and extension bytes of a delta or length."""
    if v < 13:
        return v, b""
    if v < 269:
        return 13, bytes([v - 13])
    return 14, (v - 269).to_bytes(2, "big")


def uint(v):
    """Minimal big-endian bytes of an unsigned option value."""
    return v.to_bytes((v.bit_length() + 7) // 8, "big")


def coap(mtype, code, mid, token, options=(), payload=b""):
    out = bytes([0x40 | mtype << 4 | len(token), code]) + mid.to_bytes(2, "big") + token
    last = 0
    for num, val in sorted(options, key=lambda o: o[0]):  # stable: repeats keep order
        if isinstance(val, int):
            val = uint(val)
        elif isinstance(val, str):
            val = val.encode()
        dn, dx = ext(num - last)
        ln, lx = ext(len(val))
        out += bytes([dn << 4 | ln]) + dx + lx + val
        last = num
    if payload:
        out += b"\xff" + payload
    return out


def path(p):
    return [(URI_PATH, seg) for seg in p.strip("/").split("/") if seg]


def query(q):
    return [(URI_QUERY, part) for part in q.split("&") if part]


def block(num, more, szx):
    return num << 4 | (8 if more else 0) | szx


def cbor_text(s):
    b = s.encode()
    assert len(b) < 24
    return bytes([0x60 | len(b)]) + b


# LwM2M TLV: an instance of 3303 with resource 0 "x" and resource 1 = 5
TLV_CREATE = bytes([0x06, 0x02, 0xC1, 0x00, 0x78, 0xC1, 0x01, 0x05])
# SenML CBOR: [{0: "/3303/0/1"}, {0: "/3/0"}] and [{0: "/3303/0/1", 2: 7}]
SENML_READ = bytes([0x82, 0xA1, 0x00]) + cbor_text("/3303/0/1") + bytes([0xA1, 0x00]) + cbor_text("/3/0")
SENML_WRITE = bytes([0x81, 0xA2, 0x00]) + cbor_text("/3303/0/1") + bytes([0x02, 0x07])

TOK2 = b"\x1a\x2b"
TOK4 = b"\x11\x22\x33\x44"
TOK1 = b"\x7e"  # odd token length: fuzz_request_path also feeds it from an unknown source

# The LwM2M requests (both corpora). Byte 3 (low MID byte) is the
# configuration of fuzz_request_path: bits 0-1 block size 1024/64/16/256,
# bit 2 CON notifications, bit 3 second server (ACL), bit 4 serve strangers.
REQUESTS = {
    "get-3-0-accept-tlv": coap(CON, GET, 0x1200, TOK2, path("/3/0") + [(ACCEPT, TLV)]),
    "put-3303-0-1-text": coap(CON, PUT, 0x1300, TOK2, path("/3303/0/1") + [(CONTENT_FORMAT, TEXT)], b"25"),
    "post-3303-create-tlv": coap(CON, POST, 0x1400, TOK4, path("/3303") + [(CONTENT_FORMAT, TLV)], TLV_CREATE),
    "fetch-senml-cbor": coap(CON, FETCH, 0x1500, TOK2,
                             [(CONTENT_FORMAT, SENML_CBOR), (ACCEPT, SENML_CBOR)], SENML_READ),
    "ipatch-senml-cbor": coap(CON, IPATCH, 0x1600, TOK2, [(CONTENT_FORMAT, SENML_CBOR)], SENML_WRITE),
    "get-observe-3303-0-2": coap(CON, GET, 0x1700, TOK4, [(OBSERVE, 0)] + path("/3303/0/2") + [(ACCEPT, TEXT)]),
    "put-attrs-pmin-5": coap(CON, PUT, 0x1800, TOK2, path("/3303/0/2") + query("pmin=5")),
    "put-attrs-several": coap(CON, PUT, 0x1808, TOK2, path("/3303/0/1") + query("pmin=1&pmax=10&gt=20&st=0.5")),
    "put-block1-first": coap(CON, PUT, 0x1900, TOK2,
                             path("/3303/0/8") + [(CONTENT_FORMAT, OPAQUE), (BLOCK1, block(0, True, 0)),
                                                  (SIZE1, 40)], bytes(range(16))),
    "get-block2-3303": coap(CON, GET, 0x1a01, TOK2, path("/3303") + [(ACCEPT, TLV), (BLOCK2, block(1, False, 2))]),
    "discover-3303-accept-link": coap(CON, GET, 0x1b00, TOK2, path("/3303") + [(ACCEPT, LINK)]),
    "get-3303-1-lwm2m-cbor": coap(NON, GET, 0x1c00, TOK2, path("/3303/1") + [(ACCEPT, LWM2M_CBOR)]),
    "post-execute-args": coap(CON, POST, 0x1d00, TOK1, path("/3303/0/4"), b"0='x'"),
    "delete-3303-1": coap(CON, DELETE, 0x1e09, TOK2, path("/3303/1")),
    "get-3303-1-acl": coap(CON, GET, 0x1f09, TOK1, path("/3303/1/1")),
    "get-3-0-stranger": coap(CON, GET, 0x2010, TOK1, path("/3/0")),
}

# Responses and empty messages, for the codec only.
OTHERS = {
    "ack-empty": coap(ACK, 0, 0x1200, b""),
    "rst": coap(RST, 0, 0x1201, b""),
    "ping": coap(CON, 0, 0x1202, b""),
    "content-block2": coap(ACK, 0x45, 0x1203, TOK2, [(CONTENT_FORMAT, TLV), (BLOCK2, block(0, True, 6)),
                                                      (SIZE2, 1400)], bytes(64)),
    "notification": coap(NON, 0x45, 0x1204, TOK4, [(OBSERVE, 0x123456), (CONTENT_FORMAT, TEXT)], b"21.5"),
    "created-location": coap(ACK, 0x41, 0x1205, TOK2, [(LOCATION_PATH, "3303"), (LOCATION_PATH, "2")]),
    "long-options": coap(CON, POST, 0x1206, TOK4, [(URI_PATH, "a" * 13), (URI_QUERY, "q" * 300),
                                                    (258, 2), (292, b"\x01\x02")], b"x"),
}

# Sequences for fuzz_request_path: several datagrams joined by SEP.
BLOB = bytes((k * 7) & 0xFF for k in range(40))
SEQUENCES = {
    "seq-block1-complete": [
        coap(CON, PUT, 0x3000 + k, TOK2,
             path("/3303/0/8") + [(CONTENT_FORMAT, OPAQUE), (BLOCK1, block(k, k < 2, 0))]
             + ([(SIZE1, len(BLOB))] if k == 0 else []),
             BLOB[16 * k:16 * (k + 1)])
        for k in range(3)
    ],
    "seq-observe-then-cancel": [
        coap(CON, GET, 0x3101, TOK4, [(OBSERVE, 0)] + path("/3303/0/1")),
        coap(CON, PUT, 0x3102, TOK2, path("/3303/0/1") + [(CONTENT_FORMAT, TEXT)], b"99"),
        coap(CON, GET, 0x3103, TOK4, [(OBSERVE, 1)] + path("/3303/0/1")),
    ],
    "seq-create-read-delete": [
        coap(CON, POST, 0x3200, TOK2, path("/3303") + [(CONTENT_FORMAT, TLV)], TLV_CREATE),
        coap(CON, GET, 0x3201, TOK2, path("/3303/2") + [(ACCEPT, SENML_CBOR)]),
        coap(CON, DELETE, 0x3202, TOK2, path("/3303/2")),
    ],
    "seq-observe-block2-con": [
        coap(CON, GET, 0x3305, TOK2, [(OBSERVE, 0)] + path("/3303") + [(ACCEPT, TLV)]),
        coap(CON, GET, 0x3306, TOK2, path("/3303") + [(ACCEPT, TLV), (BLOCK2, block(1, False, 2))]),
    ],
}


def write(dirname, name, data):
    os.makedirs(dirname, exist_ok=True)
    with open(os.path.join(dirname, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    coap_dir = os.path.join(here, "corpus", "fuzz_coap")
    path_dir = os.path.join(here, "corpus", "fuzz_request_path")
    for name, msg in REQUESTS.items():
        write(coap_dir, name, msg)
        write(path_dir, name, msg)
    for name, msg in OTHERS.items():
        write(coap_dir, name, msg)
    for name, msgs in SEQUENCES.items():
        write(path_dir, name, SEP.join(msgs))


if __name__ == "__main__":
    main()
