"""What a DATABASE_URL must be: checked where settings are read and where a Database is made
(both import this module, neither the other)."""

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

EXAMPLE_URL = "postgresql://user:password@host:5432/vitaltrack"


def postgresql_url(raw: str) -> URL:
    """A postgresql:// URL (or postgresql+driver://) as plain postgresql://, else ValueError
    saying what is expected."""
    try:
        url = make_url(raw)
    except ArgumentError:
        url = None
    if url is None or not url.drivername.startswith("postgresql"):
        raise ValueError(f"must be a postgresql:// URL, like {EXAMPLE_URL}")
    return url.set(drivername="postgresql")
