"""Protocol types kafka-python 2.0.2 lacks, for the raw requests of the client tests:
FLOAT64 and the compact (flexible-version) encodings."""
import struct

from kafka.protocol.types import AbstractType, Schema


def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_uvarint(data):
    n, shift = 0, 0
    for _ in range(5):
        b = data.read(1)[0]
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n
        shift += 7
    raise ValueError("uvarint too long")


class CompactString(AbstractType):
    @classmethod
    def encode(cls, value):
        if value is None:
            return uvarint(0)
        b = value.encode("utf-8")
        return uvarint(len(b) + 1) + b

    @classmethod
    def decode(cls, data):
        n = read_uvarint(data)
        return None if n == 0 else data.read(n - 1).decode("utf-8")


class CompactBytes(AbstractType):
    @classmethod
    def encode(cls, value):
        return uvarint(len(value) + 1) + value

    @classmethod
    def decode(cls, data):
        n = read_uvarint(data)
        return None if n == 0 else data.read(n - 1)


class TaggedFields(AbstractType):
    @classmethod
    def encode(cls, value):
        return uvarint(0)

    @classmethod
    def decode(cls, data):
        for _ in range(read_uvarint(data)):
            read_uvarint(data)
            data.read(read_uvarint(data))
        return None


class CompactArray(AbstractType):
    def __init__(self, *fields):
        self.schema = Schema(*fields)

    def encode(self, items):
        return uvarint(len(items) + 1) + b"".join(self.schema.encode(i) for i in items)

    def decode(self, data):
        n = read_uvarint(data)
        return None if n == 0 else [self.schema.decode(data) for _ in range(n - 1)]


class Float64(AbstractType):
    @classmethod
    def encode(cls, value):
        return struct.pack(">d", value)

    @classmethod
    def decode(cls, data):
        return struct.unpack(">d", data.read(8))[0]
