"""CoAP (RFC 7252) message encoding and decoding, plus Block (RFC 7959) and
Observe (RFC 7641) option helpers, for Sidelink's integration tests.
Standard library only.

    msg = Message(CON, GET, mid=1, token=b"\\x01")
    msg.add_path("/3/0/1").add_query("pmin=10").set_uint(ACCEPT, TLV)
    data = msg.encode()
    back = Message.decode(data)        # raises CoapError on malformed input
    back.path(), back.queries(), back.uint(OBSERVE), back.payload

Endpoint wraps a UDP socket: send(msg, addr), recv(timeout) -> (msg, addr).
"""

import random
import socket
import struct

# message types
CON, NON, ACK, RST = 0, 1, 2, 3
TYPE_NAMES = {CON: "CON", NON: "NON", ACK: "ACK", RST: "RST"}


def code(c, d):
    """Code c.dd as a byte, e.g. code(2, 5) for 2.05 Content."""
    return (c << 5) | d


def code_str(c):
    return "%d.%02d" % (c >> 5, c & 31)


EMPTY = 0
GET, POST, PUT, DELETE, FETCH, PATCH, IPATCH = 1, 2, 3, 4, 5, 6, 7
CREATED, DELETED, VALID, CHANGED, CONTENT, CONTINUE = (
    code(2, 1), code(2, 2), code(2, 3), code(2, 4), code(2, 5), code(2, 31))
BAD_REQUEST, UNAUTHORIZED, BAD_OPTION, FORBIDDEN, NOT_FOUND = (
    code(4, 0), code(4, 1), code(4, 2), code(4, 3), code(4, 4))
METHOD_NOT_ALLOWED, NOT_ACCEPTABLE, REQUEST_ENTITY_INCOMPLETE = code(4, 5), code(4, 6), code(4, 8)
PRECONDITION_FAILED, REQUEST_ENTITY_TOO_LARGE, UNSUPPORTED_CONTENT_FORMAT = (
    code(4, 12), code(4, 13), code(4, 15))
INTERNAL_SERVER_ERROR, NOT_IMPLEMENTED, SERVICE_UNAVAILABLE = code(5, 0), code(5, 1), code(5, 3)

# options
IF_MATCH, URI_HOST, ETAG, IF_NONE_MATCH, OBSERVE, URI_PORT = 1, 3, 4, 5, 6, 7
LOCATION_PATH, OSCORE, URI_PATH, CONTENT_FORMAT, MAX_AGE, URI_QUERY = 8, 9, 11, 12, 14, 15
ACCEPT, LOCATION_QUERY, BLOCK2, BLOCK1, SIZE2, PROXY_URI, SIZE1 = 17, 20, 23, 27, 28, 35, 60

# content formats
TEXT, LINK, OPAQUE, CBOR, SENML_JSON, SENML_CBOR, TLV, LWM2M_CBOR = (
    0, 40, 42, 60, 110, 112, 11542, 11544)


class CoapError(ValueError):
    """A message that is not well-formed CoAP."""


def uint_bytes(v):
    """Shortest big-endian encoding of an option uint (0 is empty)."""
    if v < 0:
        raise ValueError("negative option value")
    out = b""
    while v:
        out = bytes([v & 0xFF]) + out
        v >>= 8
    return out


def bytes_uint(b):
    v = 0
    for x in b:
        v = (v << 8) | x
    return v


def block_value(num, more, szx):
    """Block1/Block2 option value (RFC 7959 2.2); size = 16 << szx."""
    return (num << 4) | (8 if more else 0) | szx


def block_parse(v):
    """(num, more, szx) of a Block option value."""
    return v >> 4, bool(v & 8), v & 7


def szx_of(size):
    return {16: 0, 32: 1, 64: 2, 128: 3, 256: 4, 512: 5, 1024: 6}[size]


class Message:
    def __init__(self, mtype=CON, mcode=EMPTY, mid=0, token=b"", options=None, payload=b""):
        self.type = mtype
        self.code = mcode
        self.mid = mid
        self.token = token
        self.options = list(options or [])  # [(number, bytes)], kept sorted on encode
        self.payload = payload

    # ---- building ----
    def add(self, num, value):
        if isinstance(value, str):
            value = value.encode()
        elif isinstance(value, int):
            value = uint_bytes(value)
        self.options.append((num, bytes(value)))
        return self

    def set_uint(self, num, value):
        self.options = [o for o in self.options if o[0] != num]
        return self.add(num, uint_bytes(value))

    def add_path(self, path):
        for seg in path.strip("/").split("/"):
            if seg:
                self.add(URI_PATH, seg)
        return self

    def add_query(self, *queries):
        for q in queries:
            self.add(URI_QUERY, q)
        return self

    def encode(self):
        if len(self.token) > 8:
            raise ValueError("token longer than 8 bytes")
        out = bytearray([0x40 | (self.type << 4) | len(self.token), self.code])
        out += struct.pack("!H", self.mid)
        out += self.token
        last = 0
        for num, val in sorted(self.options, key=lambda o: o[0]):
            delta = num - last
            last = num
            d, dext = _ext(delta)
            l, lext = _ext(len(val))
            out.append((d << 4) | l)
            out += dext + lext + val
        if self.payload:
            out.append(0xFF)
            out += self.payload
        return bytes(out)

    # ---- reading ----
    @staticmethod
    def decode(data):
        if len(data) < 4:
            raise CoapError("shorter than the 4-byte header")
        ver = data[0] >> 6
        if ver != 1:
            raise CoapError("version %d" % ver)
        tkl = data[0] & 15
        if tkl > 8:
            raise CoapError("token length %d" % tkl)
        m = Message(mtype=(data[0] >> 4) & 3, mcode=data[1], mid=struct.unpack("!H", data[2:4])[0])
        pos = 4 + tkl
        if pos > len(data):
            raise CoapError("truncated token")
        m.token = bytes(data[4:pos])
        num = 0
        while pos < len(data):
            b = data[pos]
            pos += 1
            if b == 0xFF:
                if pos == len(data):
                    raise CoapError("payload marker without payload")
                m.payload = bytes(data[pos:])
                break
            delta, pos = _read_ext(data, pos, b >> 4)
            length, pos = _read_ext(data, pos, b & 15)
            num += delta
            if pos + length > len(data):
                raise CoapError("option beyond the message")
            m.options.append((num, bytes(data[pos:pos + length])))
            pos += length
        if m.code == EMPTY and (tkl or len(data) > 4):
            raise CoapError("empty message with content")
        return m

    def get(self, num):
        return [v for n, v in self.options if n == num]

    def first(self, num, default=None):
        vals = self.get(num)
        return vals[0] if vals else default

    def uint(self, num, default=None):
        v = self.first(num)
        return default if v is None else bytes_uint(v)

    def path(self):
        return "/" + "/".join(v.decode() for v in self.get(URI_PATH))

    def queries(self):
        return [v.decode() for v in self.get(URI_QUERY)]

    def query_dict(self):
        out = {}
        for q in self.queries():
            k, _, v = q.partition("=")
            out[k] = v
        return out

    def location(self):
        return "/" + "/".join(v.decode() for v in self.get(LOCATION_PATH))

    def block(self, num):
        v = self.uint(num)
        return None if v is None else block_parse(v)

    def is_request(self):
        return 1 <= self.code <= 31

    def is_response(self):
        return 2 <= (self.code >> 5) <= 5

    def __repr__(self):
        opts = ",".join("%d=%s" % (n, v.hex()) for n, v in self.options)
        return "<%s %s mid=%d tok=%s opts=[%s] %dB>" % (
            TYPE_NAMES[self.type], code_str(self.code), self.mid, self.token.hex(), opts,
            len(self.payload))


def _ext(v):
    if v < 13:
        return v, b""
    if v < 269:
        return 13, bytes([v - 13])
    return 14, struct.pack("!H", v - 269)


def _read_ext(data, pos, nib):
    if nib < 13:
        return nib, pos
    if nib == 13:
        if pos >= len(data):
            raise CoapError("truncated option")
        return data[pos] + 13, pos + 1
    if nib == 14:
        if pos + 2 > len(data):
            raise CoapError("truncated option")
        return struct.unpack("!H", data[pos:pos + 2])[0] + 269, pos + 2
    raise CoapError("reserved option nibble 15")


def ack_for(req, mcode=EMPTY, payload=b"", options=None):
    """The ACK (piggybacked response when mcode is set) to a CON request."""
    return Message(ACK, mcode, req.mid, req.token if mcode else b"", options, payload)


def rst_for(msg):
    return Message(RST, EMPTY, msg.mid)


class Endpoint:
    """A UDP socket speaking CoAP, with a message ID counter."""

    def __init__(self, host="127.0.0.1", port=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.addr = self.sock.getsockname()
        self.next_mid = random.randrange(0x10000)

    def mid(self):
        self.next_mid = (self.next_mid + 1) & 0xFFFF
        return self.next_mid

    def send(self, msg, addr):
        data = msg.encode() if isinstance(msg, Message) else msg
        self.sock.sendto(data, addr)

    def recv_raw(self, timeout):
        self.sock.settimeout(timeout)
        try:
            return self.sock.recvfrom(65536)
        except socket.timeout:
            return None, None

    def recv(self, timeout=5.0):
        """(Message, addr), or (None, None) on timeout. Raises CoapError."""
        data, addr = self.recv_raw(timeout)
        if data is None:
            return None, None
        return Message.decode(data), addr

    def request(self, msg, addr, timeout=5.0):
        """Send a CON/NON request and wait for its response (piggybacked or
        separate; a separate CON response is acknowledged)."""
        self.send(msg, addr)
        while True:
            resp, frm = self.recv(timeout)
            if resp is None:
                return None
            if resp.type == ACK and resp.mid == msg.mid and resp.code == EMPTY:
                continue  # separate response follows
            if resp.type in (ACK, RST) and resp.mid == msg.mid:
                return resp
            if resp.token == msg.token and resp.is_response():
                if resp.type == CON:
                    self.send(ack_for(resp), frm)
                return resp

    def close(self):
        self.sock.close()
