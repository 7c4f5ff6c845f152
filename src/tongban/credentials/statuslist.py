"""The Token Status List's bits (draft-ietf-oauth-status-list, section 4).

Entry *i* of a list of ``bits``-bit entries lives in byte ``i * bits // 8``, starting at bit
``i * bits % 8`` counted from the least significant: with 2 bits, entry 0 is the lowest two
bits of byte 0 and entry 3 the highest two. The published ``lst`` is those bytes compressed
with DEFLATE in the ZLIB format and base64url-encoded without padding.
"""

import zlib

from .sdjwt import b64decode, b64encode


def empty(capacity: int, bits: int) -> bytes:
    return bytes(-(-capacity * bits // 8))


def get(data: bytes, index: int, bits: int) -> int:
    position = index * bits
    return (data[position // 8] >> (position % 8)) & ((1 << bits) - 1)


def put(data: bytearray, index: int, bits: int, value: int) -> None:
    position = index * bits
    mask = ((1 << bits) - 1) << (position % 8)
    byte = data[position // 8]
    data[position // 8] = (byte & ~mask & 0xFF) | ((value << (position % 8)) & mask)


def encode(data: bytes) -> str:
    return b64encode(zlib.compress(data, 9))


def decode(lst: str) -> bytes:
    return zlib.decompress(b64decode(lst))
