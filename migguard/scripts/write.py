"""Writing new revision scripts from the environment's ``script.py.mako``."""

from __future__ import annotations

import configparser
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from migguard.errors import ConfigError, UsageError

_NON_WORD = re.compile(r"\W+")


@dataclass(frozen=True)
class NewRevision:
    """The contents of a revision script about to be written.

    Attributes:
        revision: the new id.
        down_revisions: its parents (empty for a new base, two or more for a merge).
        branch_labels: labels it declares.
        depends_on: dependencies (ids or labels).
        message: the message (first docstring paragraph).
        create_date: when it was created (aware when a timezone is configured).
        upgrades / downgrades: function bodies (empty: the template decides, usually ``pass``).
        imports: extra import lines the bodies need.
    """

    revision: str
    down_revisions: tuple[str, ...]
    message: str
    create_date: datetime
    branch_labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    upgrades: str = ""
    downgrades: str = ""
    imports: tuple[str, ...] = field(default_factory=tuple)


def new_revision_id() -> str:
    """A fresh 12-hex-digit revision id, the form Alembic users know."""
    return uuid.uuid4().hex[-12:]


def now(timezone: str | None) -> datetime:
    """The current time: naive local time, or aware in ``timezone`` (an IANA name).

    Raises:
        ConfigError: the timezone name is unknown.
    """
    if timezone is None:
        return datetime.now()
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return datetime.now(tz=ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown timezone {timezone!r} (expected a name like 'UTC')") from None


def slugify(message: str, limit: int) -> str:
    """Lower-case words of ``message`` joined by ``_``, at most ``limit`` characters, cut at a
    word boundary (a single over-long first word is cut inside)."""
    words = [w for w in _NON_WORD.sub(" ", message.lower()).split() if w]
    slug = ""
    for word in words:
        candidate = f"{slug}_{word}" if slug else word
        if len(candidate) > limit:
            return slug or word[:limit]
        slug = candidate
    return slug


def file_name(
    template: str, revision: str, message: str, created: datetime, slug_limit: int
) -> str:
    """The script's file name from ``file_template`` (without ``.py``).

    Tokens: ``%(rev)s``, ``%(slug)s``, ``%(epoch)s``, ``%(year)d``, ``%(month).2d``,
    ``%(day).2d``, ``%(hour).2d``, ``%(minute).2d``, ``%(second).2d``.

    Raises:
        ConfigError: the template uses an unknown token or is malformed.
    """
    tokens = {
        "rev": revision,
        "slug": slugify(message, slug_limit),
        "epoch": int(created.timestamp()),
        "year": created.year,
        "month": created.month,
        "day": created.day,
        "hour": created.hour,
        "minute": created.minute,
        "second": created.second,
    }
    try:
        name = template % tokens
    except KeyError as exc:
        raise ConfigError(f"file_template {template!r} uses unknown token {exc}") from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"file_template {template!r} is malformed: {exc}") from None
    return name.rstrip("_")


def _comma(value: Sequence[str] | str | None) -> str:
    """Mako filter (as Alembic templates use it): ids as ``a, b``."""
    if not value:
        return ""
    return value if isinstance(value, str) else ", ".join(value)


def _as_header_value(ids: tuple[str, ...]) -> str | tuple[str, ...] | None:
    if not ids:
        return None
    return ids[0] if len(ids) == 1 else ids


class TemplateConfig:
    """What a project's ``script.py.mako`` sees as ``config``: Alembic passes its ``Config``,
    and templates read options from it (the multidb template reads ``databases``).

    Read-only, over the project's Alembic INI file (``%(here)s`` expanded), parsed on first
    use; without one every option is the default.

    Args:
        ini: the INI file, or ``None``.
    """

    config_ini_section = "alembic"

    def __init__(self, ini: Path | None) -> None:
        self.config_file_name = None if ini is None else str(ini)
        self._ini = ini
        self._parser: configparser.ConfigParser | None = None

    def get_main_option(self, name: str, default: str | None = None) -> str | None:
        """An option of the ``[alembic]`` section, or ``default``."""
        return self.get_section_option(self.config_ini_section, name, default)

    def get_section_option(self, section: str, name: str, default: str | None = None) -> str | None:
        """An option of ``section``, or ``default`` when the section or option is missing."""
        parser = self._load()
        if not parser.has_option(section, name):
            return default
        return parser.get(section, name)

    def get_section(
        self, name: str, default: dict[str, str] | None = None
    ) -> dict[str, str] | None:
        """Every option of section ``name`` as a dict, or ``default`` when it is missing."""
        parser = self._load()
        return dict(parser.items(name)) if parser.has_section(name) else default

    def _load(self) -> configparser.ConfigParser:
        if self._parser is None:
            here = "" if self._ini is None else str(self._ini.parent).replace("%", "%%")
            self._parser = configparser.ConfigParser(defaults={"here": here})
            if self._ini is not None:
                self._parser.read(self._ini, encoding="utf-8")
        return self._parser


def render_script(template: Path, new: NewRevision, *, ini: Path | None = None) -> str:
    """Render ``template`` (a Mako file) for ``new`` and check the result is valid Python.

    The template sees ``up_revision``, ``down_revision`` (None, an id, or a tuple of ids),
    ``branch_labels``, ``depends_on``, ``message``, ``create_date``, ``upgrades``,
    ``downgrades``, ``imports``, the ``comma`` filter and ``config`` (a
    :class:`TemplateConfig`), as Alembic templates expect; Mako itself provides ``context``.

    Args:
        template: the ``script.py.mako`` file.
        new: the revision to write.
        ini: the project's Alembic INI file, read by ``config``; ``None`` when there is none.

    Raises:
        UsageError: the template cannot be rendered (any error it raises: it is the
            project's code) or produces invalid Python.
    """
    from mako.exceptions import MakoException
    from mako.template import Template

    safe_message = new.message.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    try:
        # Mako ships no types: its render result is declared here.
        source: str = Template(filename=str(template)).render_unicode(
            up_revision=new.revision,
            down_revision=_as_header_value(new.down_revisions),
            branch_labels=_as_header_value(new.branch_labels),
            depends_on=_as_header_value(new.depends_on),
            message=safe_message,
            create_date=new.create_date,
            upgrades=new.upgrades,
            downgrades=new.downgrades,
            imports="\n".join(new.imports),
            comma=_comma,
            config=TemplateConfig(ini),
        )
    except MakoException as exc:
        raise UsageError(f"{template}: cannot render the script template: {exc}") from None
    except Exception as exc:  # the template's own code raised: report it as its error
        raise UsageError(
            f"{template}: cannot render the script template: {type(exc).__name__}: {exc}"
        ) from None
    try:
        compile(source, str(template), "exec")
    except SyntaxError as exc:
        raise UsageError(
            f"{template}: the rendered script is not valid Python (line {exc.lineno}: {exc.msg})"
        ) from None
    return source


def write_script(folder: Path, name: str, source: str) -> Path:
    """Create ``folder/name.py`` holding ``source``; never overwrites.

    Raises:
        UsageError: the file exists already, ``name`` would leave ``folder`` (a path
            separator, ``..``), or the file cannot be written (names the file and the
            reason).
    """
    if not name or "\0" in name or "/" in name or os.sep in name or name.startswith("."):
        raise UsageError(
            f"{name!r} is not a script file name (from file_template and the revision id): "
            "it must not contain a path separator or start with '.'"
        )
    path = folder / f"{name}.py"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(source)
    except FileExistsError:
        raise UsageError(f"{path} exists already; not overwriting it") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None
    return path
