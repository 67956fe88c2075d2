"""What annotationQuery finds a span by, and the words the store indexes it by.

Each batch gives each trace one text of words: per service, a section that opens with `s` and the
CRC-32 of the service's name, then the CRC-32 of each term of its spans, as 8-digit hex words, and
ends with "|":

    s5ee2b3a4 0a1b2c3d 9f8e7d6c | sd0c1a2b3 0a1b2c3d |

It is the trace's document in term_index (FTS5 reads "|" as a mere separator) and the row kept in
trace_terms, which is what later deletes those words. FTS5 intersects a query's words in C; when a
query names a service, instr() looks for each term in that service's section, since Zipkin then looks
at that service's spans only (a hex word holds no `s` and no "|", so a section's bounds are exact). A
hash collision only costs one extra exact check (`search`), never a wrong answer.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Collection
from typing import Any


def span_terms(span: dict[str, Any]) -> set[str]:
    """What annotationQuery can find a span by: `k=v` and `k` for each tag, the value of each annotation."""
    tags = span.get("tags", {})
    terms = set(tags)
    terms.update(map("=".join, tags.items()))
    terms.update(annotation["value"] for annotation in span.get("annotations", ()))
    return terms


def words(terms_by_service: dict[str, Collection[str]]) -> str:
    """A trace's words for the terms of each service's spans ("" for spans without a service)."""
    sections = []
    for service, terms in terms_by_service.items():
        # C calls all the way (map, not a comprehension): this is the write path's inner loop
        hashes = struct.pack(f"<{len(terms)}I", *map(zlib.crc32, map(str.encode, terms)))
        sections.append(f"{service_word(service)} {hashes.hex(' ', 4)} |")
    return " ".join(sections)


def service_word(service: str) -> str:
    """The word that opens a service's section."""
    return f"s{zlib.crc32(service.encode()):08x}"


def term_word(key: str, value: str | None) -> str:
    """The word of what one annotationQuery criterion looks for: `k=v`, or a bare word (CRC-32, which
    unlike hash() is the same in every process)."""
    return struct.pack("<I", zlib.crc32((key if value is None else f"{key}={value}").encode())).hex()


def match_expression(annotation_query: dict[str, str | None], service: str | None = None) -> str:
    """The term_index query for traces having every term (and spans of the service, if named): a superset."""
    found = [term_word(key, value) for key, value in annotation_query.items()]
    if service is not None:
        found.append(service_word(service))
    return " AND ".join(f'"{word}"' for word in found)


def unpack(blob: bytes) -> tuple[int, ...]:
    """The hashes of a blob of 4-byte words."""
    return struct.unpack(f"<{len(blob) // 4}I", blob)


def pack(hashes: Collection[int]) -> bytes:
    """Hashes as a blob of 4-byte words."""
    return struct.pack(f"<{len(hashes)}I", *hashes)


def tag_term(key: str, value: str) -> int:
    """The tag_index key of `key=value` (any service)."""
    return zlib.crc32(f"{key}={value}".encode())
