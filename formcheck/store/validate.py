"""Checks of what callers pass in, before anything is written.

What a coach types (names, labels, notes) fails with an InvalidEntryError
whose message says what to change; what the app's code passes (mode,
context, types) fails with a ValueError naming the argument.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from numbers import Integral, Real
from typing import Any

from formcheck.store.errors import InvalidEntryError
from formcheck.store.records import (
    ATHLETE_NAME_MAX_CHARS,
    ATHLETE_NOTES_MAX_CHARS,
    AUTHOR_MAX_CHARS,
    CONTEXTS,
    MODES,
    NOTE_MAX_CHARS,
    SESSION_LABEL_MAX_CHARS,
)


def plain_text(value: Any, argument: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{argument} must be a str, got {type(value).__name__}")
    return value.strip()


def original_name(value: Any) -> str:
    """An uploaded file's name, kept as display text; NUL (refused by PostgreSQL text) becomes U+FFFD."""
    return plain_text(value, "original_name").replace("\x00", "\ufffd")


def athlete_name(name: Any) -> str:
    name = plain_text(name, "name")
    if not name:
        raise InvalidEntryError("Please type the athlete's name.")
    if len(name) > ATHLETE_NAME_MAX_CHARS:
        raise InvalidEntryError(f"An athlete's name can be at most {ATHLETE_NAME_MAX_CHARS} characters; "
                                f"this one has {len(name)}.")
    return name


def name_key(name: str) -> str:
    """What makes two names the same athlete: case and surrounding spaces ignored."""
    return name.casefold()


def athlete_notes(notes: Any) -> str:
    notes = plain_text(notes, "notes")
    if len(notes) > ATHLETE_NOTES_MAX_CHARS:
        raise InvalidEntryError(f"Notes about an athlete can be at most {ATHLETE_NOTES_MAX_CHARS} characters; "
                                f"these have {len(notes)}.")
    return notes


def session_label(label: Any) -> str:
    label = plain_text(label, "label")
    if len(label) > SESSION_LABEL_MAX_CHARS:
        raise InvalidEntryError(f"A session label can be at most {SESSION_LABEL_MAX_CHARS} characters; "
                                f"this one has {len(label)}.")
    return label


def context(value: Any) -> str:
    if value not in CONTEXTS:
        raise ValueError(f"context must be one of {', '.join(CONTEXTS)}; got {value!r}")
    return value


def mode(value: Any) -> str:
    if value not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {value!r}")
    return value


def day(value: Any, argument: str = "day") -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"{argument} must be a datetime.date, got {type(value).__name__}")
    return value


def note_text(text: Any) -> str:
    text = plain_text(text, "text")
    if not text:
        raise InvalidEntryError("A note needs some text.")
    if len(text) > NOTE_MAX_CHARS:
        raise InvalidEntryError(f"A note can be at most {NOTE_MAX_CHARS} characters; this one has {len(text)}. "
                                f"Split it into two notes.")
    return text


def author(value: Any) -> str:
    value = plain_text(value, "author")
    if len(value) > AUTHOR_MAX_CHARS:
        raise InvalidEntryError(f"An author's name can be at most {AUTHOR_MAX_CHARS} characters.")
    return value


def optional_seconds(value: Any, argument: str) -> float | None:
    """None, or a finite number of seconds >= 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{argument} must be None or a finite number of seconds >= 0, got {value!r}")
    return float(value)


def optional_index(value: Any, argument: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"{argument} must be None or an int >= 0, got {value!r}")
    return int(value)


def json_data(value: Any, argument: str) -> dict:
    """A JSON-able copy of a dict: tuples become lists, NaN/inf become null (as in analysis.json).

    Null rather than NaN because JSON has no NaN and PostgreSQL refuses it.
    """
    if not isinstance(value, dict):
        raise ValueError(f"{argument} must be a dict, got {type(value).__name__}")
    clean = _plain(value, argument)
    json.dumps(clean, allow_nan=False)  # proves it stores as it is
    return clean


def _plain(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: keys must be str, got {key!r}")
            out[key] = _plain(item, f"{where}[{key!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise ValueError(f"{where} must be JSON data (dict, list, str, number, bool, None), got {type(value).__name__}")
