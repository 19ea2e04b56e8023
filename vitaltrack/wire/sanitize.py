"""Input cleaning rules of API.md 2.x, applied by request models before length checks."""

import re

_TAG = re.compile(r"<[^>]*>")
_UNSAFE = re.compile(r"[<>'\";]")
_SCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
_EVENT_ATTR = re.compile(r"\bon\w+\s*=", re.IGNORECASE)


def clean_text(value: object) -> object:
    """Strip HTML tags, `javascript:`, `on…=` handlers and the characters < > ' " ; then trim."""
    if not isinstance(value, str):
        return value  # let the type check report it
    value = _TAG.sub("", value)
    value = _SCRIPT_URL.sub("", value)
    value = _EVENT_ATTR.sub("", value)
    return _UNSAFE.sub("", value).strip()


def trim(value: object) -> object:
    return value.strip() if isinstance(value, str) else value
