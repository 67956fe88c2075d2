"""What annotationQuery finds a span by, and the 32-bit hashes the store keeps of it.

A search tests hashes with SQLite's instr(), then checks each candidate trace exactly (see `search`),
so a hash collision, or a match straddling two hashes, only costs one extra check.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from typing import Any


def term_hashes(service: str, terms: Iterable[str]) -> bytes:
    """The search terms of one service as concatenated 4-byte hashes (what instr() looks for).

    CRC-32 seeded with the service's CRC: one C call per term, stable across processes unlike hash().
    """
    seed = zlib.crc32(service.encode())
    hashes = [zlib.crc32(term.encode(), seed) for term in terms]
    return struct.pack(f"<{len(hashes)}I", *hashes)


def term_hash(service: str, term: str) -> bytes:
    """One term's hash, as term_hashes stores it."""
    return term_hashes(service, [term])


def tag_term(key: str, value: str) -> int:
    """The tag_index key of `key=value` (any service)."""
    return zlib.crc32(f"{key}={value}".encode())


def span_terms(span: dict[str, Any]) -> set[str]:
    """What annotationQuery can find a span by: `k=v` and `k` for each tag, the value of each annotation."""
    tags = span.get("tags", {})
    terms = set(tags)
    terms.update(map("=".join, tags.items()))
    terms.update(annotation["value"] for annotation in span.get("annotations", ()))
    return terms
