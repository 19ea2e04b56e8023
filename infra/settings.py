"""All configuration, read once from the environment."""

import math
import re
from collections import Counter
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from infra.urls import postgresql_url

DEV_SECRET = "development-secret-change-me"
MIN_SECRET_BITS = 96  # e.g. `openssl rand -hex 32` carries ~240 by this estimate
# What RATE_LIMIT_* may say (the format infra/security/rate_limits.py parses), checked at
# load so that a bad one is named before anything starts.
RATE_LIMIT_FORMAT = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*$")
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    """Environment variables, documented in the README."""

    # An empty variable is an unset one (compose passes optional ones through as empty).
    model_config = SettingsConfigDict(
        env_file=None, extra="ignore", validate_by_name=True, env_ignore_empty=True
    )

    database_url: str | None = None
    secret_key: str = DEV_SECRET
    environment: Literal["development", "testing", "production"] = "development"
    access_token_expire_minutes: int = Field(30, ge=1)
    refresh_token_expire_days: int = Field(30, ge=1)
    # A session (a device's sign-in) ends this long after it began, however often it refreshes.
    refresh_session_max_days: int = Field(90, ge=1)
    cors_origins: Annotated[list[str], NoDecode] = []
    data_dir: Path = Field(Path(".vitaltrack"), validation_alias="VITALTRACK_DATA_DIR")
    # RS256 signing key (PEM) and older public keys still accepted during rotation.
    jwt_private_key_path: Path | None = None
    jwt_previous_public_key_paths: Annotated[list[Path], NoDecode] = []
    # Argon2id cost; defaults are argon2-cffi's RFC 9106 low-memory profile.
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65536
    password_hash_parallelism: int = 4
    # Email: SMTP when SMTP_HOST is set, else .eml files in <data dir>/outbox (development).
    smtp_host: str | None = None
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "VitalTrack <no-reply@vitaltrack.app>"
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    # Where links in emails point (the verification page is served by this API).
    public_base_url: str = "http://127.0.0.1:8000"
    # Rate limits: "<count>/<second|minute|hour|day>"; what each counts is in the README.
    rate_limit_enabled: bool = True
    rate_limit_login: str = "5/minute"  # sign-ins per address
    rate_limit_login_account: str = "30/hour"  # failed passwords per account, any address
    rate_limit_register: str = "3/hour"
    rate_limit_forgot_password: str = "3/hour"  # per address; reset mails per account
    rate_limit_reset_password: str = "5/hour"
    rate_limit_resend_verification: str = "3/hour"  # per address; verification mails per account
    rate_limit_profile: str = "20/hour"  # PATCH /auth/me per account
    rate_limit_email_change: str = "3/hour"  # per account and per new address
    rate_limit_password_check: str = "5/hour"  # change-password, DELETE /auth/me, per session
    # Strict-Transport-Security max-age in seconds, for deployments served only over TLS; 0: off.
    hsts_max_age: int = Field(0, ge=0)
    # How long a command waits for the read tables to show its events before answering.
    read_your_writes_timeout: float = 5.0
    projection_batch_size: int = Field(1000, ge=1, le=100_000)
    db_pool_size: int = Field(10, ge=1)
    # Seconds a request may wait for a database connection: past it, 503 unavailable.
    db_connect_timeout: int = Field(5, ge=1, le=60)
    # The daily digest (API.md 13): `serve` looks every this many seconds for households
    # where it is 08:00 or later and sends what is due; off: only `digest run` sends it.
    digest_enabled: bool = True
    digest_interval_seconds: float = Field(60.0, gt=0, le=3600)
    # Larger request bodies answer 413 (API.md 1.7); a 500-operation push is ~300 KiB.
    max_body_bytes: int = Field(1_048_576, ge=1024)
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated
    # addresses, or "*"); unset: none, so a client cannot pick the address it is limited by.
    forwarded_allow_ips: str | None = None
    # Bearer token for /metrics; unset: /metrics answers only this machine (loopback).
    metrics_token: str | None = None
    log_level: LogLevel = "INFO"
    # "json": one JSON object per line (the default in production); "text": for people.
    log_format: Literal["json", "text"] | None = None

    @field_validator("cors_origins", "jwt_previous_public_key_paths", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        if isinstance(value, str) and value.upper() in get_args(LogLevel):
            return value.upper()
        return value  # as given, so an error shows what was set

    @field_validator("database_url")
    @classmethod
    def _postgresql_url(cls, value: str | None) -> str | None:
        if value is not None:
            postgresql_url(value)
        return value

    @field_validator(
        "rate_limit_login",
        "rate_limit_login_account",
        "rate_limit_register",
        "rate_limit_forgot_password",
        "rate_limit_reset_password",
        "rate_limit_resend_verification",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        if not RATE_LIMIT_FORMAT.match(value):
            raise ValueError("must be <count>/<second|minute|hour|day>, like 5/minute")
        return value

    @model_validator(mode="after")
    def _default_log_format(self) -> "Settings":
        if self.log_format is None:
            self.log_format = "json" if self.environment == "production" else "text"
        return self

    @cached_property
    def data_path(self) -> Path:
        return self.data_dir.expanduser().resolve()

    def check_safe_for_production(self) -> None:
        """Refuse to run production with development defaults."""
        if self.environment != "production":
            return
        problems = []
        if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
            problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
        elif entropy_bits(self.secret_key) < MIN_SECRET_BITS:
            problems.append("SECRET_KEY is not random enough (e.g. `openssl rand -hex 32`)")
        if self.jwt_private_key_path is None:
            problems.append("JWT_PRIVATE_KEY_PATH must point to the RS256 signing key (PEM)")
        if self.database_url is None:
            problems.append("DATABASE_URL must be set (the embedded server is for development)")
        if problems:
            raise RuntimeError("refusing to start in production: " + "; ".join(problems))


def entropy_bits(secret: str) -> float:
    """An estimate of a secret's randomness: its length times the Shannon entropy of its
    characters. Repeats and short alphabets score low (32 "a" score 0); it cannot tell a
    memorable phrase from noise, so it only refuses what is plainly not random."""
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    return per_char * len(secret)


class BadSettings(Exception):
    """Environment variables whose values are not allowed, one line each."""

    def __init__(self, lines: list[str]):
        super().__init__("; ".join(lines))
        self.lines = lines


SECRETS = {"secret_key", "smtp_password", "metrics_token"}  # never echoed


def settings_from_environment() -> Settings:
    """The settings, or BadSettings naming each variable, its value and what is allowed."""
    try:
        return Settings()
    except ValidationError as exc:
        lines: dict[str, str] = {}
        for error in exc.errors():
            name = _variable(str(error["loc"][0]))
            lines.setdefault(name, f"{name}={_shown(name, error['input'])}: {_allowed(error)}")
        raise BadSettings(list(lines.values())) from None


def _variable(field_or_alias: str) -> str:
    field = Settings.model_fields.get(field_or_alias)
    alias = field.validation_alias if field is not None else None
    return alias if isinstance(alias, str) else field_or_alias.upper()


def _shown(name: str, value: object) -> str:
    if name.lower() in SECRETS:
        return "(hidden)"
    if name == "DATABASE_URL" and isinstance(value, str):
        value = re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", value)  # the password
    return repr(value)


def _allowed(error: ErrorDetails) -> str:
    message = error["msg"].removeprefix("Value error, ")  # our validators' own words
    return re.sub(r"^Input should be ", "must be ", message)  # pydantic's, as a rule
