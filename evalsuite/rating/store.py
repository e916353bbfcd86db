"""The rating campaign's database: SQLAlchemy models over SQLite (WAL) by default, PostgreSQL by URL.

Tables: a campaign; its videos (system, prompt, file, sha256); its items (one video, or a GSB pair of two
systems' videos of one prompt, or a gold item with a known answer); its raters (invitation tokens are
stored as sha256 hashes, never in clear); each rater's assignments (an item at a position, with the side
each video was shown on); and judgements, at most one per assignment (a unique constraint, so an item
cannot be rated twice by one rater whatever the server does). A judgement is committed in its own
transaction before the rater's next item is served, so a killed server loses none.
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
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


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
    settings: Mapped[dict] = mapped_column(JSON, default=dict)  # seed, gold share, power suggestion
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


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "video", "pair" or "gold"
    video_a: Mapped[int] = mapped_column(ForeignKey("videos.id"))
    video_b: Mapped[int | None] = mapped_column(ForeignKey("videos.id"), nullable=True)
    prompt: Mapped[str] = mapped_column(String(4000))  # what the rater reads (a gold item's is another's)
    gold: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # criterion -> the known answer


class Rater(Base):
    __tablename__ = "raters"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)


class Assignment(Base):
    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("raters.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    position: Mapped[int] = mapped_column(Integer)
    a_on_left: Mapped[bool] = mapped_column(Boolean, default=True)  # GSB: the side video_a was shown on
    __table_args__ = (UniqueConstraint("rater_id", "item_id"), UniqueConstraint("rater_id", "position"))


class Judgement(Base):
    __tablename__ = "judgements"
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), unique=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("raters.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    # absolute: criterion -> "pass"/"fail" or 1-5; GSB: criterion -> "left"/"same"/"right" as clicked
    values: Mapped[dict] = mapped_column(JSON)
    seconds: Mapped[float | None] = mapped_column(
        Float, nullable=True
    )  # on the page, as the browser timed it
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (UniqueConstraint("rater_id", "item_id"),)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


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
    Base.metadata.create_all(engine)
    return engine, sessionmaker(engine, expire_on_commit=False)
