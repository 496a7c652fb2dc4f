"""What a comparison with a replayed schema needs besides the snapshot: a dialect of the
scratch database's kind, and PostgreSQL's own judgement of defaults and check conditions."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from migguard.config import Config

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect

__all__ = ["check_judge", "comparison_dialect", "default_judge"]


def comparison_dialect(config: Config, default_schema: str | None) -> Dialect:
    """A dialect of the scratch database's kind, not connected, that compares the models with
    the replayed schema as a connected one would: its default schema is the scratch
    database's, ``default_schema`` (``BuiltSchema.default_schema``).

    Raises:
        UsageError: ``check_url`` is not a database URL.
    """
    from migguard.runtime.engine import make_url

    url = config.check_url if config.check_url else "sqlite://"
    dialect: Dialect = make_url(url).get_dialect()()
    dialect.default_schema_name = default_schema
    return dialect


@contextmanager
def default_judge(config: Config) -> Iterator[Callable[[str, str, str], bool] | None]:
    """PostgreSQL's judgement of whether two constant server defaults are equal (see
    :func:`migguard.autogen.generate.same_default_asker`), for ``CompareOptions.same_default``.

    Yields ``None`` without ``check_url`` (SQLite needs no judge) or when it is not
    PostgreSQL. With it, the server is connected to only when the comparison first asks (most
    comparisons never do), and the connection is closed when the block ends.

    Raises:
        DatabaseError: the server cannot be reached when asked (one line, password masked).
    """
    from migguard.autogen.generate import same_default_asker

    with _server_judge(config, same_default_asker) as judge:
        yield judge


@contextmanager
def check_judge(
    config: Config,
) -> Iterator[Callable[[str, str, Mapping[str, str]], bool | None] | None]:
    """PostgreSQL's judgement of whether two check conditions are the same (see
    :func:`migguard.autogen.generate.same_check_asker`), for ``CompareOptions.same_check``.

    Yields ``None`` without a PostgreSQL ``check_url``; with it, connects only when first
    asked and closes the connection when the block ends.

    Raises:
        DatabaseError: the server cannot be reached when asked (one line, password masked).
    """
    from migguard.autogen.generate import same_check_asker

    with _server_judge(config, same_check_asker) as judge:
        yield judge


@contextmanager
def _server_judge(
    config: Config, make_asker: Callable[[Connection], Callable[..., Any]]
) -> Iterator[Callable[..., Any] | None]:
    """The asker ``make_asker`` builds on a connection to ``check_url``, opened only when it
    is first asked and closed when the block ends; ``None`` without ``check_url``."""
    from migguard.runtime.engine import connect, make_url

    if not config.check_url or make_url(config.check_url).get_backend_name() != "postgresql":
        # The askers put PostgreSQL's own parser to work; elsewhere the texts are compared.
        yield None
        return

    url = config.check_url
    with ExitStack() as stack:
        opened: list[Callable[..., Any]] = []

        def ask(*args: Any) -> Any:
            if not opened:
                opened.append(make_asker(stack.enter_context(connect(url))))
            return opened[0](*args)

        yield ask
