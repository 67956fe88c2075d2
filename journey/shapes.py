"""Trace shapes as data, and the plain-words account of how a trace misses one.

A shape is a list of `Expect`: a span some service must have made, where in the trace, with which
tags. Names are compared as Zipkin stores them (lower case). `journey check` and the test-suite
use this same code, so a workshop checkpoint and an end-to-end test mean the same thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.zipkin_model import KINDS
from common.zipkin_model import service_name as service  # the name checkpoints and tests import from here

ANY = "*"  # the shape files' wildcard: any kind, any tag value


@dataclass(frozen=True)
class Expect:
    """One span the trace must contain.

    kind: a Zipkin kind, None for a span without one (INTERNAL), or "*" for any.
    parent: (service, name) of the parent span; None with root=True: the span is the trace's root;
    None with root=False: anywhere. tags: keys the span must carry (a value of "*" means any value).
    """

    service: str
    name: str
    kind: str | None = ANY
    parent: tuple[str, str] | None = None
    root: bool = False
    tags: tuple[tuple[str, str], ...] = ()
    hint: str = ""

    def __str__(self) -> str:
        kind = "" if self.kind == ANY else f"{self.kind or 'INTERNAL'} "
        where = (
            " as the root of the trace"
            if self.root
            else f" under {self.parent[0]} '{self.parent[1]}'"
            if self.parent
            else ""
        )
        tags = f" with tag {', '.join(k if v == ANY else f'{k}={v}' for k, v in self.tags)}" if self.tags else ""
        return f"a {self.service} {kind}span '{self.name}'{where}{tags}"


def find(spans: list[dict], service_name: str, name: str) -> list[dict]:
    return [s for s in spans if service(s) == service_name and s.get("name") == name]


def _parent(span: dict, by_id: dict[str, dict]) -> dict | None:
    return by_id.get(span.get("parentId")) if span.get("parentId") else None


def _problems(span: dict, expect: Expect, by_id: dict[str, dict]) -> list[str]:
    """Why `span` (right service and name) is not the expected one; empty when it is."""
    problems = []
    if expect.kind != ANY and span.get("kind") != expect.kind:
        problems.append(f"its kind is {span.get('kind') or 'INTERNAL'}, not {expect.kind or 'INTERNAL'}")
    parent = _parent(span, by_id)
    if expect.root and "parentId" in span:
        problems.append("it has a parent, so it is not where the trace starts")
    elif expect.parent:
        if parent is None:
            problems.append(
                "it is a root span: the trace context did not reach it"
                if "parentId" not in span
                else "its parent span is not in the trace (not exported yet, or not sampled)"
            )
        elif (service(parent), parent.get("name")) != expect.parent:
            problems.append(
                f"its parent is {service(parent)} '{parent.get('name')}', not {expect.parent[0]} '{expect.parent[1]}'"
            )
    tags = span.get("tags") or {}
    for key, value in expect.tags:
        if key not in tags:
            problems.append(f"it has no tag {key}")
        elif value != ANY and tags[key] != value:
            problems.append(f"its tag {key} is {tags[key]!r}, not {value!r}")
    return problems


def explain(spans: list[dict], expect: Expect) -> str | None:
    """None when some span of the trace is `expect`; otherwise, in plain words, what is missing."""
    by_id = {s.get("id"): s for s in spans}
    candidates = find(spans, expect.service, expect.name)
    if not candidates:
        services = sorted({service(s) or "?" for s in spans})
        if expect.service not in services:
            return (
                f"missing {expect}: the trace has no span from {expect.service} at all "
                f"(it has spans from {', '.join(services) or 'nobody'})"
            )
        return f"missing {expect}: {expect.service} has no span named '{expect.name}' in this trace"
    reasons = [_problems(span, expect, by_id) for span in candidates]
    if any(not r for r in reasons):
        return None
    closest = min(reasons, key=len)
    return f"missing {expect}: there is a '{expect.name}' span, but {' and '.join(closest)}"


def missing(spans: list[dict], shape: list[Expect]) -> list[Expect]:
    """The lines of `shape` that no span of the trace satisfies (empty when the trace has the shape)."""
    return [expect for expect in shape if explain(spans, expect) is not None]


class ShapeError(ValueError):
    """A shape file that cannot be used; the message says where and why."""


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ShapeError(f"{where} must be a non-empty string")
    return value.strip().lower()


def _expect(item: Any, where: str) -> Expect:
    if not isinstance(item, dict):
        raise ShapeError(f"{where} must be an object with service and name")
    unknown = set(item) - {"service", "name", "kind", "parent", "root", "tags", "hint"}
    if unknown:
        raise ShapeError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
    kind = item.get("kind", ANY)
    if kind not in (*KINDS, "INTERNAL", ANY):
        raise ShapeError(f"{where}.kind must be one of {', '.join(KINDS)}, INTERNAL or *: {kind!r}")
    parent = item.get("parent")
    if parent is not None and not (isinstance(parent, list) and len(parent) == 2):
        raise ShapeError(f"{where}.parent must be [service, name]")
    tags = item.get("tags", {})
    if isinstance(tags, list):
        tags = dict.fromkeys(tags, ANY)
    if not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise ShapeError(f"{where}.tags must be a list of keys or an object of key: value ('*': any value)")
    root = item.get("root", False)
    if not isinstance(root, bool) or (root and parent is not None):
        raise ShapeError(f"{where}.root must be true or false, and a root has no parent")
    return Expect(
        service=_text(item.get("service"), f"{where}.service"),
        name=_text(item.get("name"), f"{where}.name"),
        kind=None if kind == "INTERNAL" else kind,
        parent=(_text(parent[0], f"{where}.parent[0]"), _text(parent[1], f"{where}.parent[1]")) if parent else None,
        root=root,
        tags=tuple(sorted(tags.items())),
        hint=str(item.get("hint", "")),
    )


@dataclass(frozen=True)
class ShapeFile:
    """A team's own shape: which traces to look at (`find`) and the spans each must have."""

    name: str
    find: dict[str, str]
    spans: list[Expect] = field(default_factory=list)


def load_shape(path: str | Path) -> ShapeFile:
    """Read a shape file (JSON); a ShapeError says what is wrong with it."""
    try:
        document = json.loads(Path(path).read_text())
    except OSError as error:
        raise ShapeError(f"cannot read {path}: {error.strerror}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ShapeError(f"{path} is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise ShapeError(f"{path} must hold an object with find and spans")
    find_ = document.get("find")
    if not isinstance(find_, dict) or set(find_) - {"service", "span"} or "service" not in find_:
        raise ShapeError(f"{path}: find must be an object with service (and optionally span)")
    spans = document.get("spans")
    if not isinstance(spans, list) or not spans:
        raise ShapeError(f"{path}: spans must be a non-empty list")
    return ShapeFile(
        name=str(document.get("name") or Path(path).stem),
        find={key: _text(value, f"find.{key}") for key, value in find_.items()},
        spans=[_expect(item, f"spans[{index}]") for index, item in enumerate(spans)],
    )
