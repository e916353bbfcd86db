"""The rating campaign's database: SQLAlchemy models over SQLite (WAL) by default, PostgreSQL by URL.

Tables: a campaign; its videos (system, prompt, file, sha256, duration); its items (one video, or a GSB
pair of two systems' videos of one prompt, or a gold or practice item with a known answer); its raters
(invitation tokens are stored as sha256 hashes, never in clear; a crowd campaign's raters are slots that
a platform participant claims on first visit); each rater's assignments (an item at a position, with the
side each video was shown on, and the opaque random keys under which the rater fetches and answers it);
and judgements, at most one per assignment (a unique constraint, so an item cannot be rated twice by one
rater whatever the server does). A judgement is committed in its own transaction before the rater's next
item is served, so a killed server loses none. Excluding a rater marks them; nothing is deleted.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from evalsuite.errors import SuiteError

# Bumped whenever a table changes; a database of another version is refused with what to do.
SCHEMA_VERSION = 2


class StoreError(SuiteError):
    """A campaign database this version cannot use."""


class Base(DeclarativeBase):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


class Campaign(Base):
    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    mode: Mapped[str] = mapped_column(String(16))  # "absolute" or "gsb"
    scale: Mapped[str] = mapped_column(String(16))  # absolute: "binary" or "likert"
    criteria: Mapped[list] = mapped_column(JSON)
    prompt_set: Mapped[str] = mapped_column(String(200))
    raters_per_item: Mapped[int] = mapped_column(Integer)
    admin_token_hash: Mapped[str] = mapped_column(String(64))
    # seed, gold share, power note, instructions, timing rule, crowd entry, flag rule, adaptive: see
    # campaign.CampaignSettings
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    entry_key_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the crowd entry link
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class VideoRow(Base):
    __tablename__ = "videos"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    system: Mapped[str] = mapped_column(String(200))
    prompt_id: Mapped[str] = mapped_column(String(200))
    prompt: Mapped[str] = mapped_column(String(4000))
    path: Mapped[str] = mapped_column(String(4000))
    sha256: Mapped[str] = mapped_column(String(64))
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)  # the clip's duration, if probed


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "video", "pair", "gold" or "practice"
    video_a: Mapped[int] = mapped_column(ForeignKey("videos.id"))
    video_b: Mapped[int | None] = mapped_column(ForeignKey("videos.id"), nullable=True)
    prompt: Mapped[str] = mapped_column(String(4000))  # what the rater reads (a gold item's is another's)
    # criterion -> the known answer: "pass"/"fail"/"<=2", or for a pair "same" or "a" (video_a is better)
    gold: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class Rater(Base):
    __tablename__ = "raters"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)  # None: unclaimed
    participant: Mapped[str | None] = mapped_column(String(200), nullable=True)  # the platform's id
    entry: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # platform parameters at entry
    quota: Mapped[int] = mapped_column(Integer, default=0)  # items in the list (adaptive lists fill lazily)
    consented: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    practice_done: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    excluded: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    excluded_reason: Mapped[str | None] = mapped_column(String(400), nullable=True)
    screened_out: Mapped[bool] = mapped_column(Boolean, default=False)
    replaces: Mapped[str | None] = mapped_column(String(200), nullable=True)  # a re-opened list's rater
    __table_args__ = (
        UniqueConstraint("campaign_id", "name"),
        UniqueConstraint("campaign_id", "participant"),
    )


class Assignment(Base):
    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("raters.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    position: Mapped[int] = mapped_column(Integer)  # practice items come first, at negative positions
    a_on_left: Mapped[bool] = mapped_column(Boolean, default=True)  # GSB: the side video_a was shown on
    # Opaque random keys: the answer URL's and each shown video's. They carry no order, system or prompt,
    # and a gold item's are as fresh as any other's.
    key: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_key())
    media_left: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_key())
    media_right: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    __table_args__ = (UniqueConstraint("rater_id", "item_id"), UniqueConstraint("rater_id", "position"))


class Judgement(Base):
    __tablename__ = "judgements"
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), unique=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("raters.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    # absolute: criterion -> "pass"/"fail" or 1-5; GSB: criterion -> "left"/"same"/"right" as clicked
    values: Mapped[dict] = mapped_column(JSON)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)  # as the browser timed it
    served_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)  # as the server timed it
    cannot_judge: Mapped[bool] = mapped_column(Boolean, default=False)  # then `values` is empty
    comment: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (UniqueConstraint("rater_id", "item_id"),)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


def new_key() -> str:
    """128 random bits, URL-safe: an id that says nothing about what it names."""
    return secrets.token_urlsafe(16)


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


def ticket_secret(session: Session) -> bytes:
    """The key that signs the time an item was served (flow.ticket); made once per database."""
    return bytes.fromhex(session.get(Meta, "ticket_secret").value)


def _check_version(engine: Engine, url: str) -> None:
    tables = set(inspect(engine).get_table_names())
    if "campaigns" not in tables:
        return
    with Session(engine) as session:
        found = session.get(Meta, "schema_version") if "meta" in tables else None
    version = int(found.value) if found else 1
    if version != SCHEMA_VERSION:
        raise StoreError(
            f"{url}: a campaign database of schema {version}, this version reads {SCHEMA_VERSION}; export its "
            "judgements with the version that made it (hyvideo-eval rate export) or create the campaign anew"
        )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer and a killed process leaves every committed transaction;
    # busy_timeout: a second server process on the same file waits for the lock instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def open_store(url: str) -> tuple[Engine, sessionmaker[Session]]:
    """The engine and session factory for a database URL (a plain path means SQLite), tables created."""
    if "://" not in url:
        url = f"sqlite:///{url}"
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    _check_version(engine, url)
    Base.metadata.create_all(engine)
    for key, value in (("schema_version", str(SCHEMA_VERSION)), ("ticket_secret", secrets.token_hex(32))):
        try:
            with Session(engine) as session, session.begin():
                if session.get(Meta, key) is None:
                    session.add(Meta(key=key, value=value))
        except IntegrityError:
            pass  # a second server process on the same file wrote it first
    return engine, sessionmaker(engine, expire_on_commit=False)
