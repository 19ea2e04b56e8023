"""Input cleaning rules of API.md 2.x, applied by request models before length checks."""

import re

_TAG = re.compile(r"<[^>]*>")
_UNSAFE = re.compile(r"[<>'\";]")
_SCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
_EVENT_ATTR = re.compile(r"\bon\w+\s*=", re.IGNORECASE)


def clean_text(value: object) -> object:
    """Strip HTML tags, `javascript:`, `on…=` handlers and the characters < > ' " ; then trim."""
    value = clean_markup(value)
    return _UNSAFE.sub("", value) if isinstance(value, str) else value


def trim(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def clean_markup(value: object) -> object:
    """Item names (API.md 2.3): strip HTML tags, `javascript:` and `on…=` handlers; trim."""
    if not isinstance(value, str):
        return value
    value = _TAG.sub("", value)
    value = _SCRIPT_URL.sub("", value)
    return _EVENT_ATTR.sub("", value).strip()


_CONTACT_UNSAFE = re.compile(r"[^0-9a-zA-Z \-()+.@]")


def clean_contact(value: object) -> object:
    """Supplier contact: keep digits, letters, space and - ( ) + . @; at most 100 characters."""
    if not isinstance(value, str):
        return value
    return _CONTACT_UNSAFE.sub("", value).strip()[:100]


def blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value
