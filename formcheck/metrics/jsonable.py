"""Analysis values made JSON-ready: shared by the running and exercise reports."""

from __future__ import annotations

import math


def jsonable(value):
    """JSON-ready: NaN/inf -> None, tuples -> lists, numpy scalars -> Python, floats rounded."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 4)
    return value
