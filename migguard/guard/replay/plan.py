"""Where a replay stands before it runs: every revision's chain digest, the state the history's
heads name, and the stored states it may start from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from migguard.config import Config
from migguard.guard.replay.chain import (
    environment_key,
    revision_digests,
    state_key,
    version_file_digests,
)
from migguard.guard.replay.store import ReplayStore, StoredState
from migguard.scripts.directory import History

__all__ = ["ReplayPlan", "make_plan"]


class ReplayPlan(NamedTuple):
    """What a replay starts from and where it keeps its states.

    Attributes:
        store: the replay store of this kind of database and environment.
        digests: every revision's chain digest.
        key: the state key of the history's heads.
        heads: the history's heads.
    """

    store: ReplayStore
    digests: Mapping[str, str]
    key: str
    heads: tuple[str, ...]

    def starts(self) -> list[StoredState]:
        """The stored states the current history still holds unchanged, those with the most
        revisions first."""
        usable = [
            state
            for state in self.store.states()
            if all(self.digests.get(rid) == digest for rid, digest in state.heads.items())
        ]
        return sorted(usable, key=lambda state: state.applied, reverse=True)

    def state_of(
        self,
        heads: Sequence[str],
        applied: int,
        default_schema: str | None = None,
        database: Mapping[str, str] | None = None,
    ) -> StoredState:
        """The record of the state whose version table holds ``heads``, holding ``applied``
        revisions; ``database``: where a PostgreSQL template keeps it."""
        return StoredState(
            key=state_key(heads, self.digests),
            heads={rid: self.digests[rid] for rid in heads},
            applied=applied,
            default_schema=default_schema,
            database=database or {},
            reflected=False,
        )


def make_plan(config: Config, history: History, dialect: str) -> ReplayPlan:
    """The digests and the store of ``history`` replayed into a ``dialect`` database.

    Raises:
        OSError: a version file vanished, appeared or cannot be read while hashing.
        UnreadableScriptError: a version folder cannot be listed.
    """
    files = version_file_digests(config)
    scripts = set(history.files.values())
    helpers = [digest for path, digest in files.items() if path not in scripts]
    environment = environment_key(config, dialect, helpers)
    try:
        digests = revision_digests(history, files, environment)
    except KeyError as exc:
        raise OSError(f"a version file appeared while it was being read: {exc}") from None
    heads = tuple(rid for rid in history.graph.ids if history.graph.is_head(rid))
    return ReplayPlan(
        ReplayStore(config.root, dialect, environment),
        digests,
        state_key(heads, digests),
        heads,
    )
