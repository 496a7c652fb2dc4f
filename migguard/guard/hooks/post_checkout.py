"""The post-checkout hook: did the migrations change, and is the database now ahead of the code?

After ``git checkout other-branch`` the database may hold revisions the checked-out code does
not have (they were applied on the branch left behind). Migrating from here would fail, so
the hook names those revisions and the revision to downgrade to first: the newest ancestor,
in the previous commit's history, that the checked-out history also has (or ``base``). The
previous commit's history is read from git objects, since its files are no longer on disk.

A checkout may bring any commit's files, a colleague's branch under review included, so the
hook trusts nothing the checkout changed: it reads the checked-out revision headers with
``ast`` only (a script whose header is not literal is left out with a note, never imported),
and it contacts the database only when the checkout left the configuration files alone (a
changed ``url`` could send the reviewer's ``${VAR}`` credentials to another host).

Library code: :func:`post_checkout` returns a :class:`PostCheckoutResult`; the command line
prints it and always exits 0 (a checkout is never failed).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final, Literal, NamedTuple

from migguard.config import Config
from migguard.config.load import URL_ENV_VAR, URL_OPTION
from migguard.config.urls import mask_password
from migguard.errors import DatabaseError, UsageError
from migguard.guard import git
from migguard.guard.hooks.changes import RevisionChanges, graph_at, revision_changes
from migguard.scripts.directory import display_path

if TYPE_CHECKING:
    from migguard.graph import RevisionGraph
    from migguard.guard.git import Repo

__all__ = [
    "CHECKED",
    "SKIPPED",
    "CheckoutEvent",
    "DatabaseAhead",
    "PostCheckoutAction",
    "PostCheckoutResult",
    "checkout_event",
    "downgrade_targets",
    "post_checkout",
]

# PostCheckoutResult.action values.
# PostCheckoutResult.action values.
PostCheckoutAction = Literal["skipped", "checked"]
SKIPPED: Final = "skipped"
CHECKED: Final = "checked"


class CheckoutEvent(NamedTuple):
    """post-checkout's arguments.

    Attributes:
        previous: the commit checked out before (``0`` * 40 after a clone).
        new: the commit checked out now.
        branch: a branch checkout (git's flag ``1``), not a checkout of files.
    """

    previous: str
    new: str
    branch: bool


class DatabaseAhead(NamedTuple):
    """A revision the database is at that the checked-out history lacks.

    Attributes:
        revision: the database's revision.
        targets: the revisions to downgrade to (on the previous commit) so that the database
            only holds revisions the checked-out history has: usually one id, ``("base",)``
            when nothing is shared, several when the revision joins branches, and empty when
            the previous commit's history lacks the revision too.
    """

    revision: str
    targets: tuple[str, ...]


class PostCheckoutResult(NamedTuple):
    """What the hook found.

    Attributes:
        action: :data:`SKIPPED` or :data:`CHECKED`.
        reason: why it was skipped (one line), else empty text.
        changes: the revision files that differ between the two commits.
        current: the database's revisions (empty when not read or at base).
        heads: the checked-out history's heads (empty when the database was not read).
        ahead: the database's revisions the checked-out history lacks.
        database_error: why the database could not be read (one line), else empty text.
        url: the database, password masked (empty text when not read).
        notes: what was left out, and why (one line each): checked-out scripts whose header
            is not literal, the database when the checkout changed the configuration.
    """

    action: PostCheckoutAction
    reason: str = ""
    changes: RevisionChanges | None = None
    current: tuple[str, ...] = ()
    heads: tuple[str, ...] = ()
    ahead: tuple[DatabaseAhead, ...] = ()
    database_error: str = ""
    url: str = ""
    notes: tuple[str, ...] = ()

    @property
    def database_read(self) -> bool:
        """Whether the database's revisions were read."""
        return bool(self.url) and not self.database_error


def checkout_event(args: Sequence[str], environ: Mapping[str, str]) -> CheckoutEvent:
    """Read the event from git's arguments ``<previous> <new> <flag>``, or from pre-commit's
    ``PRE_COMMIT_FROM_REF``, ``PRE_COMMIT_TO_REF`` and ``PRE_COMMIT_CHECKOUT_TYPE``.

    Raises:
        UsageError: neither gives the three values.
    """
    if len(args) == 3:
        previous, new, flag = args
    else:
        previous = environ.get("PRE_COMMIT_FROM_REF", "")
        new = environ.get("PRE_COMMIT_TO_REF", "")
        flag = environ.get("PRE_COMMIT_CHECKOUT_TYPE", "")
        if not (previous and new and flag):
            raise UsageError(
                "post-checkout needs git's three arguments: PREVIOUS NEW FLAG (or pre-commit's "
                "PRE_COMMIT_FROM_REF, PRE_COMMIT_TO_REF and PRE_COMMIT_CHECKOUT_TYPE)"
            )
    return CheckoutEvent(previous, new, flag == "1")


def post_checkout(config: Config, event: CheckoutEvent) -> PostCheckoutResult:
    """Compare the revision files of the two commits and, when they differ and a database URL
    is configured, whether the database is ahead of the checked-out history.

    Skipped for file checkouts, checkouts without a previous commit (clone, new worktree),
    checkouts of the same commit, and the checkouts a rebase makes while it runs.

    Args:
        config: the configuration (its ``url`` may be unset: then only changes are reported).
        event: from :func:`checkout_event`.

    Returns:
        The result. An unreachable database is reported in ``database_error``, not raised.

    Raises:
        UsageError: not in a git working tree, or a commit is unknown. ConfigError,
        HistoryError: the configuration or the checked-out (or previous) history is broken.
    """
    reason = _skip_reason(event)
    if reason:
        return PostCheckoutResult(SKIPPED, reason=reason)
    repo = git.working_repo(config.root)
    if _rebasing(repo):
        return PostCheckoutResult(SKIPPED, reason="a rebase is running (its own checkouts)")
    changes = revision_changes(repo, config, event.previous, event.new)
    if not changes.files or not config.url:
        return PostCheckoutResult(CHECKED, changes=changes)
    checked_out, notes = _checked_out_graph(config)
    changed = _changed_configuration(repo, config, event)
    if changed:
        note = (
            f"the checkout changed {changed}: its database is not contacted; run "
            "`migguard current` once you trust it"
        )
        return PostCheckoutResult(CHECKED, changes=changes, notes=(*notes, note))
    from migguard.runtime.current import read_current

    url = mask_password(config.url)
    try:
        current = read_current(config)
    except DatabaseError as exc:
        return PostCheckoutResult(
            CHECKED, changes=changes, database_error=str(exc), url=url, notes=notes
        )
    unknown = [rid for rid in current if rid not in checked_out]
    ahead: tuple[DatabaseAhead, ...] = ()
    if unknown:
        previous = graph_at(repo, config, event.previous)
        ahead = tuple(
            DatabaseAhead(rid, downgrade_targets(previous, checked_out, rid)) for rid in unknown
        )
    return PostCheckoutResult(
        CHECKED,
        changes=changes,
        current=current,
        heads=checked_out.heads,
        ahead=ahead,
        url=url,
        notes=notes,
    )


# The files a configuration is read from (see migguard.config.sources).
_CONFIGURATION_NAMES = ("migguard.toml", "pyproject.toml", "alembic.ini")


def _checked_out_graph(config: Config) -> tuple[RevisionGraph, tuple[str, ...]]:
    """The working tree's history (uncommitted revision files included), read with ``ast``
    only, and a note per script left out because its header is not literal (the import
    fallback of :func:`migguard.scripts.directory.load_history` would run checked-out code).
    Empty when the checked-out commit has no script location yet (git keeps no empty folders).

    Raises:
        HistoryError: a script is broken, or the graph is inconsistent.
    """
    from migguard.graph import RevisionGraph
    from migguard.scripts.directory import iter_script_files, revision_from
    from migguard.scripts.header import parse_header

    if not config.script_location.is_dir():
        return RevisionGraph(()), ()
    revisions = []
    notes = []
    listing = iter_script_files(config.version_locations, config.recursive_version_locations)
    for path, _ in listing:
        shown = display_path(path, config.root)
        with open(path, encoding="utf-8", errors="replace") as handle:
            header = parse_header(handle.read(), shown)
        if header is None:
            continue
        if header.pending:
            fields = ", ".join(item.field for item in header.pending)
            verb = "is" if len(header.pending) == 1 else "are"
            notes.append(
                f"{shown}: not read: {fields} {verb} not a literal (a checkout never runs the "
                "checked-out code)"
            )
            continue
        revisions.append(revision_from(header, shown))
    return RevisionGraph(revisions), tuple(notes)


def _changed_configuration(repo: Repo, config: Config, event: CheckoutEvent) -> str:
    """A configuration file the checkout changed (path from the top of the working tree), when
    the URL comes from a file; empty text when none did, or the URL came from ``--url`` or
    ``MIGGUARD_URL``, which no checkout changes."""
    if config.sources.get("url") in (URL_OPTION, f"env {URL_ENV_VAR}"):
        return ""
    own = _inside(repo, config.path)
    for _, name in git.changed_files(repo, event.previous, event.new):
        if name == own or name.rsplit("/", 1)[-1] in _CONFIGURATION_NAMES:
            return name
    return ""


def _inside(repo: Repo, path: os.PathLike[str] | None) -> str:
    """``path`` relative to the top of ``repo``'s working tree (posix), or empty text when it
    is outside (or ``None``)."""
    if path is None:
        return ""
    top = os.path.realpath(git.top(repo))
    inside = os.path.relpath(os.path.realpath(path), top)
    if inside == os.pardir or inside.startswith(os.pardir + os.sep):
        return ""
    return inside.replace(os.sep, "/")


def downgrade_targets(
    previous: RevisionGraph, checked_out: RevisionGraph, revision: str
) -> tuple[str, ...]:
    """Where to downgrade ``revision`` to (in ``previous``) to leave only revisions that
    ``checked_out`` has.

    Returns:
        The newest ancestors of ``revision`` in ``previous`` that ``checked_out`` has (several
        only when ``revision`` merges branches), in ``previous``'s order; ``("base",)`` when
        none is shared; empty when ``previous`` lacks ``revision`` too.
    """
    if revision not in previous:
        return ()
    shared = {rid for rid in previous.ancestors([revision]) if rid in checked_out}
    # One walk below every shared revision finds those with a shared revision above them.
    below = previous.ancestors(parent for rid in shared for parent in previous.parents(rid))
    return tuple(sorted(shared - below, key=previous.position)) or ("base",)


def _skip_reason(event: CheckoutEvent) -> str:
    if not event.branch:
        return "a checkout of files, not of a branch"
    # git passes an all-zero id when there was no previous commit.
    if not event.previous.strip("0"):
        return "no previous commit (a clone or a new worktree)"
    if event.previous == event.new:
        return "the same commit"
    return ""


def _rebasing(repo: Repo) -> bool:
    """Whether a rebase is running in ``repo``'s working tree (git's own state folders)."""
    return any(git.git_path(repo, state).exists() for state in ("rebase-merge", "rebase-apply"))
