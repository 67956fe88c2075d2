"""Numbers as zipkin-server's Java reads them, so that ours takes exactly the numbers it takes.

Zipkin parses a query parameter with Long.parseLong (or Integer.parseInt), and answers one it cannot
parse with Java's own message, `For input string: "x"`. Its JSON reader is Gson's, which reads a
number where a string belongs as the text it was written as (`"name": 5` is the name "5", `1.50`
stays "1.50"), and a string where a number belongs as Long.parseLong would, falling back to
Double.parseDouble when the value is a whole number (`"10"`, `" 10 "`, `"1e3"`, `"10d"`); 1.5 or
`"ten"` it refuses, and so a few numbers its parser takes for malformed JSON (`gson_reads`).
`load_json` keeps the text of the numbers whose text Python's parser loses.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

JAVA_BLANKS = "".join(map(chr, range(0x21)))  # what Java's String.trim() strips: U+0000 to the space
_GSON_MAX_NUMBER_CHARS = 1023  # a longer number fills Gson's buffer of 1024 characters
_DECIMAL = re.compile(r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)")
_NEGATIVE_ZERO = re.compile(rb"-0")  # searched for faster by re than by `in` (its last byte is common)
_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+[fFdD]?")


class _Decimal(float):
    """A JSON number with a fraction or an exponent, and the text it was written as."""

    __slots__ = ("text",)

    def __new__(cls, text: str) -> _Decimal:
        if not gson_reads(text):
            raise ValueError(f"{text[:20]}... is malformed JSON to Zipkin's reader")
        number = super().__new__(cls, text)
        number.text = text
        return number


class _NegativeZero(int):
    """`-0` in JSON: the integer 0, written "-0" (Gson keeps that text)."""

    text = "-0"


def gson_reads(number: str) -> bool:
    """Whether Gson's parser takes this JSON number for one: not if it is longer than its buffer, nor if
    its whole part, summed up digit by digit in a 64-bit integer that wraps, comes to 0 before its last
    digit (1 and 65 zeros, say): Gson then takes the next digit for one after a leading zero."""
    if len(number) > _GSON_MAX_NUMBER_CHARS:
        return False
    whole = number.lstrip("-").partition(".")[0].partition("e")[0].partition("E")[0]
    value = 0
    for digit in whole[:-1] if len(whole) > 19 else ():  # 19 digits or fewer never wrap
        value = (value * 10 - int(digit) + 2**63) % 2**64 - 2**63
        if value == 0:
            return False
    return True


def _integer(text: str) -> int:
    return _NegativeZero(0) if text == "-0" else int(text)


def _refuse(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")  # Python's parser takes NaN and Infinity, Gson refuses them


_DECODER = json.JSONDecoder(parse_float=_Decimal, parse_constant=_refuse)
_DECODER_KEEPING_NEGATIVE_ZERO = json.JSONDecoder(parse_float=_Decimal, parse_int=_integer, parse_constant=_refuse)


def load_json(body: bytes) -> Any:
    """The JSON document in `body`, each number able to give the text it was written as (`text_of`).

    Refused as Gson refuses it: NaN and Infinity, and a number with a fraction or an exponent that
    Gson does not read (`gson_reads`). An integer Gson does not read is refused where it is read (a
    string or a number), not where it is skipped (an unknown field): looking for one there made the
    parse of every batch a third slower.
    """
    # only -0 needs a hook among integers; a hook for every integer costs a fifth of the parse
    decoder = _DECODER_KEEPING_NEGATIVE_ZERO if _NEGATIVE_ZERO.search(body) else _DECODER
    return decoder.decode(body.decode(json.detect_encoding(body), "surrogatepass"))  # as json.loads does


def is_number(value: Any) -> bool:
    """Whether a decoded JSON value is a number (true and false are not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def text_of(number: int | float) -> str:
    """A JSON number as Gson's nextString gives it: as it was written."""
    return getattr(number, "text", None) or str(number)


def parse_integer(text: str, bits: int = 64) -> int:
    """Java's Long.parseLong (Integer.parseInt with bits=32): a sign and decimal digits; ValueError with
    Java's message otherwise (Java's digits are any Unicode decimal digit of the basic plane)."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if digits and all(char.isdecimal() and char < "\U00010000" for char in digits):
        try:
            value = int(text)
        except ValueError:  # past Python's limit of digits for int(): past 64 bits anyway
            value = 2**bits
        if -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            return value
    raise ValueError(f'For input string: "{text}"')


def _parse_double(text: str) -> float:
    """Java's Double.parseDouble: trimmed, decimal or hexadecimal, an f or d suffix ignored."""
    text = text.strip(JAVA_BLANKS)
    if _DECIMAL.fullmatch(text):
        return float(text.rstrip("fFdD"))
    if _HEX.fullmatch(text):
        try:
            return float.fromhex(text.rstrip("fFdD"))
        except OverflowError:  # Java's parseDouble gives infinity, which no integer field takes
            return float("-inf") if text.startswith("-") else float("inf")
    raise ValueError(f"got {text[:64]!r}")


def gson_integer(value: Any, bits: int = 64) -> int:
    """A decoded JSON value as Gson's nextLong (nextInt with bits=32) reads it; ValueError saying what it
    got if Gson would not."""
    if isinstance(value, str):
        try:
            return parse_integer(value, bits)
        except ValueError:
            number = _parse_double(value)
    elif is_number(value):
        if isinstance(value, int) and -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            return int(value)
        try:
            number = float(value)  # Java reads the literal as a double too: the same, correctly rounded
        except OverflowError:
            number = math.inf
    else:
        raise ValueError(f"got {type(value).__name__}")
    shown = (text_of(value) if is_number(value) else repr(value))[:64]
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"got {shown}")
    # Java's cast to long (or int) saturates; Gson takes the number if the cast lost nothing
    whole = min(max(int(number), -(2 ** (bits - 1))), 2 ** (bits - 1) - 1)
    if float(whole) != number:
        raise ValueError(f"got {shown}, out of range" if number.is_integer() else f"got fraction {shown}")
    return whole
