"""What annotationQuery finds a span by, and the 32-bit hashes the store indexes it by.

Each batch stores, per trace, one blob of sections: per service, its CRC-32, how many terms, and the
CRC-32s of the terms of its spans (`trace_terms`). The trace's term_index document has one word per
section and term: the term's hash scoped to its service (XORed with the service's hash), as 8 hex
digits. A query's words are the scoped hashes of its terms: for a named service, that service's
alone, since Zipkin looks at that service's spans only; for none, any of the known services' (an
OR). FTS5 intersects them in C, so a trace is a candidate only if the service asked for has every
term. A hash collision only costs one extra exact check (`search`), never a wrong answer.

The blob takes 4 bytes a hash. Keeping the words as text instead (9 bytes a hash) made SQLite write
24 % more, and cost 14 to 16 % more collector CPU per ingested span than the first layout, against
about 8 % with the blob (docs/performance.md). The scoped words hold a term once per service that
has it, where plain words held it once per trace: twice the words (19.3 against 9.8 a span), for
1.7 µs more CPU a span (docs/performance.md, layout 3).

A span's name and remote service, and where the durations of a section's spans fall, are terms of
the section too (below), so that a search by them is answered by the index as well.
"""

from __future__ import annotations

import struct
import zlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from typing import Any

HEADER = struct.Struct("<II")  # a section's service hash and number of term hashes
WORD = struct.Struct("<I")  # one hash


def span_terms(span: dict[str, Any]) -> set[str]:
    """What annotationQuery can find a span by: `k=v` and `k` for each tag, the value of each annotation."""
    tags = span.get("tags", {})
    terms = set(tags)
    terms.update(map("=".join, tags.items()))
    terms.update(annotation["value"] for annotation in span.get("annotations", ()))
    return terms


# What a search asks besides annotationQuery, as terms of the span's section: its name and remote
# service, and, per section and batch, where its longest and its shortest duration fall (the octave of
# microseconds, and which eighth of it). The leading NUL keeps them apart from tag terms: a tag key that
# starts with one would at worst collide, an extra exact check.
NAME, REMOTE, LONGEST, SHORTEST = "\0name\0", "\0remote\0", "\0longest\0", "\0shortest\0"
STEPS = 8  # eighths of an octave: a duration's words place it within 9 %
LAST_OCTAVE = 40  # 2**40 µs, 12.7 days: longer durations share the top of it


def span_index_terms(name: str | None, remote: str | None) -> list[str]:
    """The terms a search by span name or remote service finds a span by."""
    return [term for term in (name and NAME + name, remote and REMOTE + remote) if term]


def duration_place(duration: int) -> tuple[int, int]:
    """(octave, eighth) of a positive duration: monotonic, so a longer one is never placed lower."""
    if duration >= 2**LAST_OCTAVE:
        return LAST_OCTAVE, STEPS - 1
    octave = duration.bit_length()
    return octave, ((duration - (1 << (octave - 1))) * STEPS) >> (octave - 1)


def duration_range_terms(durations: Collection[int]) -> list[str]:
    """The terms of a section's positive durations: where the longest and the shortest fall."""
    if not durations:
        return []
    (top, top_step), (low, low_step) = duration_place(max(durations)), duration_place(min(durations))
    return [f"{LONGEST}{top}", f"{LONGEST}{top}.{top_step}", f"{SHORTEST}{low}", f"{SHORTEST}{low}.{low_step}"]


def span_index_sections(spans: Iterable[tuple[str | None, str | None, str | None, int | None]]) -> dict[str, set[str]]:
    """Per section ("" for spans without a service): the name, remote service and duration terms of these
    spans, each given as (service, name, remote service, duration)."""
    terms: dict[str, set[str]] = defaultdict(set)
    durations: dict[str, list[int]] = defaultdict(list)
    for service, name, remote, duration in spans:
        terms[service or ""].update(span_index_terms(name, remote))
        if duration and duration > 0:
            durations[service or ""].append(duration)
    for service, each in durations.items():
        terms[service].update(duration_range_terms(each))
    return terms


def duration_clauses(min_duration: int | None, max_duration: int | None) -> list[list[str]]:
    """What a section with a span of min to max µs has: a longest duration from min up and a shortest
    from max down. None asked for without a minimum: Zipkin then tests no duration."""
    if min_duration is None or min_duration < 1:
        return []
    octave, step = duration_place(min_duration)
    longest = [f"{LONGEST}{o}" for o in range(octave + 1, LAST_OCTAVE + 1)]
    clauses = [longest + [f"{LONGEST}{octave}.{s}" for s in range(step, STEPS)]]
    if max_duration is not None:
        if max_duration < min_duration:
            return [[]]  # nothing lasts that
        octave, step = duration_place(max_duration)
        shortest = [f"{SHORTEST}{o}" for o in range(1, octave)]
        clauses.append(shortest + [f"{SHORTEST}{octave}.{s}" for s in range(step + 1)])
    return clauses


def term_hashes(terms: Collection[str]) -> bytes:
    """The terms' hashes as concatenated 4-byte little-endian words.

    CRC-32: C calls all the way (map, not a comprehension: it is the write path's inner loop), stable
    across processes unlike hash().
    """
    return struct.pack(f"<{len(terms)}I", *map(zlib.crc32, map(str.encode, terms)))


def service_hash(service: str) -> int:
    """The hash that names a service in a section ("" for spans without one)."""
    return zlib.crc32(service.encode())


def scoped(service: int, hashes: bytes) -> bytes:
    """Term hashes scoped to a service: each 4-byte word XORed with the service's hash (in C: one integer XOR)."""
    if not hashes:
        return b""
    mask = WORD.pack(service) * (len(hashes) // 4)
    scoped_value = int.from_bytes(hashes, "little") ^ int.from_bytes(mask, "little")
    return scoped_value.to_bytes(len(hashes), "little")


def encode_terms(terms_by_service: dict[str, Collection[str]]) -> tuple[bytes, str]:
    """A trace's blob (per service: its hash, how many terms, their hashes) and its term_index document."""
    blob: list[bytes] = []
    words: list[str] = []
    for service, terms in terms_by_service.items():
        code, hashes = service_hash(service), term_hashes(terms)
        blob += (HEADER.pack(code, len(terms)), hashes)
        if hashes:
            words.append(scoped(code, hashes).hex(" ", 4))
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
    """The term_index document of a blob, as `encode_terms` wrote it: each term's hash scoped to its
    section's service, as hex words."""
    return " ".join(scoped(service, words).hex(" ", 4) for service, words in sections(blob) if words)


def criterion_term(key: str, value: str | None) -> str:
    """The term one annotationQuery criterion looks for: `k=v`, or a bare word."""
    return key if value is None else f"{key}={value}"


def match_expression(clauses: list[list[str]], services: Collection[str]) -> str | None:
    """The term_index query for traces where one of `services` has, for each clause, one of its terms (any
    service for each clause): a superset of the matches. None when no trace can match: no service, or a
    clause with no term."""
    if not services or not all(clauses):
        return None
    codes = [service_hash(service) for service in services]
    found = []
    for terms in clauses:
        hashes = term_hashes(terms)
        words = [f'"{word}"' for code in codes for word in scoped(code, hashes).hex(" ", 4).split()]
        found.append(words[0] if len(words) == 1 else f"({' OR '.join(words)})")
    return " AND ".join(found)


def unpack(blob: bytes) -> tuple[int, ...]:
    """The hashes of a blob of 4-byte words."""
    return struct.unpack(f"<{len(blob) // 4}I", blob)


def pack(hashes: Collection[int]) -> bytes:
    """Hashes as a blob of 4-byte words."""
    return struct.pack(f"<{len(hashes)}I", *hashes)


def tag_term(key: str, value: str) -> int:
    """The tag_index key of `key=value` (any service)."""
    return zlib.crc32(f"{key}={value}".encode())
