"""What annotationQuery finds a span by, and the 32-bit hashes the store indexes it by.

Each batch stores, per trace, one blob of sections: per service, its CRC-32, how many terms, and the
CRC-32s of the terms of its spans (`trace_terms`). The same hashes, as 8-digit hex words, each section
opened by an `s`-prefixed word naming its service, are the trace's term_index document. FTS5
intersects a query's words in C; when a query names a service, its word is required too, and
`service_has_term` (a function SQLite calls) then looks in that service's section only, since Zipkin
looks at that service's spans only. A hash collision only costs one extra exact check (`search`),
never a wrong answer.

The blob takes 4 bytes a hash. Keeping the words as text instead (9 bytes a hash) made SQLite write
24 % more, and cost 14 to 16 % more collector CPU per ingested span than the first layout, against
about 8 % with the blob (docs/performance.md).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Collection, Iterator
from typing import Any

HEADER = struct.Struct("<II")  # a section's service hash and number of term hashes


def span_terms(span: dict[str, Any]) -> set[str]:
    """What annotationQuery can find a span by: `k=v` and `k` for each tag, the value of each annotation."""
    tags = span.get("tags", {})
    terms = set(tags)
    terms.update(map("=".join, tags.items()))
    terms.update(annotation["value"] for annotation in span.get("annotations", ()))
    return terms


def term_hashes(terms: Collection[str]) -> bytes:
    """The terms' hashes as concatenated 4-byte little-endian words.

    CRC-32: C calls all the way (map, not a comprehension: it is the write path's inner loop), stable
    across processes unlike hash().
    """
    return struct.pack(f"<{len(terms)}I", *map(zlib.crc32, map(str.encode, terms)))


def service_hash(service: str) -> int:
    """The hash that names a service in a section ("" for spans without one)."""
    return zlib.crc32(service.encode())


def encode_terms(terms_by_service: dict[str, Collection[str]]) -> tuple[bytes, str]:
    """A trace's blob (per service: its hash, how many terms, their hashes) and its term_index document."""
    blob: list[bytes] = []
    words: list[str] = []
    for service, terms in terms_by_service.items():
        code, hashes = service_hash(service), term_hashes(terms)
        blob += (HEADER.pack(code, len(terms)), hashes)
        words += (f"s{code:08x}", hashes.hex(" ", 4))
    return b"".join(blob), " ".join(words)


def sections(blob: bytes) -> Iterator[tuple[int, bytes]]:
    """(service hash, term hashes) of each section of a blob."""
    start = 0
    while start < len(blob):
        service, count = HEADER.unpack_from(blob, start)
        start += HEADER.size
        yield service, blob[start : start + 4 * count]
        start += 4 * count


def document(blob: bytes) -> str:
    """The term_index document of a blob, as `encode_terms` wrote it: `s` and the service's hash, then each
    term hash, as hex words."""
    return " ".join(f"s{service:08x} {words.hex(' ', 4)}" for service, words in sections(blob))


def service_has_term(blob: bytes, service: int, term: bytes) -> bool:
    """Whether the section of this service hash holds this term hash (an SQL function: see `connections`)."""
    for each, words in sections(blob):
        if each == service:
            found = words.find(term)
            while found > 0 and found % 4:  # a match straddling two hashes is none
                found = words.find(term, found + 1)
            if found >= 0:
                return True
    return False


def criterion_hash(key: str, value: str | None) -> bytes:
    """The hash of what one annotationQuery criterion looks for: `k=v`, or a bare word."""
    return term_hashes([key if value is None else f"{key}={value}"])


def match_expression(annotation_query: dict[str, str | None], service: str | None = None) -> str:
    """The term_index query for traces having every term (and spans of the service, if named): a superset."""
    words = [criterion_hash(key, value).hex() for key, value in annotation_query.items()]
    if service is not None:
        words.append(f"s{service_hash(service):08x}")
    return " AND ".join(f'"{word}"' for word in words)


def unpack(blob: bytes) -> tuple[int, ...]:
    """The hashes of a blob of 4-byte words."""
    return struct.unpack(f"<{len(blob) // 4}I", blob)


def pack(hashes: Collection[int]) -> bytes:
    """Hashes as a blob of 4-byte words."""
    return struct.pack(f"<{len(hashes)}I", *hashes)


def tag_term(key: str, value: str) -> int:
    """The tag_index key of `key=value` (any service)."""
    return zlib.crc32(f"{key}={value}".encode())
