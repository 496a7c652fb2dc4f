"""The customer/purchase project the guard's model checks run on (``sync``,
``models-imported``, ``drift``, the replay): models in a package of their own and two
revisions that build them."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from migguard.config import Config
from migguard.config.load import load_config
from migguard.guard.checks.run import run_checks
from migguard.guard.findings import Finding
from migguard.guard.settings import CheckSettings
from tests.testing.project import Project

BASE = """
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
"""

CUSTOMER = """
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from {package}.base import Base


class Customer(Base):
    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    {extra}
"""

ORDER = """
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from {package}.base import Base


class Order(Base):
    __tablename__ = "purchase"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"))
"""

CREATE_CUSTOMER = """
op.create_table(
    "customer",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint("id"),
)
"""

CREATE_ORDER = """
op.create_table(
    "purchase",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("customer_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
    sa.PrimaryKeyConstraint("id"),
)
"""

# Appends a line to replays.txt (in the project folder) each time the revision runs, so tests
# can tell a replay from a cache hit without timing anything.
COUNT_REPLAY = 'open("replays.txt", "a").write("replayed\\n")'


@dataclass
class Shop:
    """A project whose models live in a package of its own (a fresh name per test, so that
    no test imports another's models), imported by ``<package>.models``."""

    project: Project
    package: str

    @property
    def root(self) -> Path:
        return self.project.root

    def write_models(
        self, *, modules: tuple[str, ...] = ("customer", "order"), extra: str = ""
    ) -> None:
        """Write the package; ``models.py`` imports ``modules``; ``extra`` is a line added to
        the ``Customer`` class."""
        folder = self.root / self.package
        folder.mkdir(exist_ok=True)
        files = {
            "__init__.py": "",
            "base.py": BASE,
            "customer.py": CUSTOMER.format(package=self.package, extra=extra),
            "order.py": ORDER.format(package=self.package),
            "models.py": "".join(f"import {self.package}.{m}\n" for m in modules)
            + f"from {self.package}.base import Base\n",
        }
        for name, source in files.items():
            (folder / name).write_text(textwrap.dedent(source), encoding="utf-8")
        self.forget_models()

    def forget_models(self) -> None:
        """Drop the package's modules from ``sys.modules``, so the next import reads the files."""
        for name in [m for m in sys.modules if m.partition(".")[0] == self.package]:
            del sys.modules[name]

    def configure(self, lines: str) -> None:
        """Append ``lines`` to ``migguard.toml``."""
        path = self.root / "migguard.toml"
        path.write_text(path.read_text() + lines + "\n")

    def config(self) -> Config:
        return load_config(cwd=self.root, environ={})

    def check(self, *codes: str) -> list[Finding]:
        """Run the checks ``codes`` as ``migguard check --select`` does."""
        return run_checks(self.config(), codes, CheckSettings())

    @property
    def replays(self) -> int:
        """How many times the counting revision ran."""
        counter = self.root / "replays.txt"
        return len(counter.read_text().splitlines()) if counter.exists() else 0


@contextmanager
def open_shop(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    """The customer/purchase project: two revisions (the first counts its replays), models
    matching them, ``metadata`` configured. The models' modules are forgotten afterwards and
    no bytecode is written (files are rewritten within the same second)."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    shop = Shop(project, f"shop_{uuid.uuid4().hex[:8]}")
    shop.write_models()
    shop.configure(f'metadata = "{shop.package}.models:Base.metadata"')
    project.add("a1", upgrade=f"{COUNT_REPLAY}\n{CREATE_CUSTOMER}")
    project.add("b2", "a1", upgrade=CREATE_ORDER)
    try:
        yield shop
    finally:
        shop.forget_models()


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]
