"""Creating revision and merge scripts in a loaded history (``revision`` and ``merge``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from migguard.config import Config
from migguard.errors import ConfigError, UsageError
from migguard.graph import (
    ILLEGAL_ID_CHARS,
    RevisionExistsError,
    RevisionGraph,
    lookup,
    resolve,
)
from migguard.scripts.directory import History, display_path
from migguard.scripts.write import (
    NewRevision,
    file_name,
    new_revision_id,
    now,
    render_script,
    write_script,
)


def create_revision(
    config: Config,
    history: History,
    message: str,
    *,
    head: str = "head",
    splice: bool = False,
    branch_labels: Sequence[str] = (),
    depends_on: Sequence[str] = (),
    rev_id: str | None = None,
    version_path: Path | None = None,
    upgrades: str = "",
    downgrades: str = "",
    imports: Sequence[str] = (),
) -> Path:
    """Write a new revision on top of ``head`` (and the heads file, when configured).

    Args:
        config: the configuration (template, file naming, version locations).
        history: the current history.
        message: the revision message.
        head: the parent: ``head`` (the single head), ``base`` (start a new base), or any
            identifier naming one revision.
        splice: allow a parent that is not a head (starting a new branch from it).
        branch_labels: labels the new revision declares.
        depends_on: ids, prefixes or labels it depends on (labels are kept as labels).
        rev_id: a chosen id instead of a generated one.
        version_path: the version location to write into (needed with several locations
            when the parent does not decide it).
        upgrades / downgrades / imports: script bodies (autogenerate fills them).

    Returns:
        The path of the written script.

    Raises:
        ResolutionError: ``head`` or a dependency does not resolve, or ``rev_id`` is taken.
        UsageError: the parent is not a head without ``splice``; a label is taken; the
            version path is not a version location; the file exists.
        ConfigError: ``script.py.mako`` is missing or ``file_template`` is malformed.
    """
    graph = history.graph
    parents = resolve(graph, head)
    if len(parents) > 1:
        raise UsageError(
            f"{head!r} names several revisions ({', '.join(parents)}); a new revision has one "
            "parent: join them first with `migguard merge`"
        )
    for parent in parents:
        if not splice and not graph.is_head(parent):
            raise UsageError(
                f"{parent} is not a head (it is followed by {', '.join(graph.children(parent))}); "
                "pass --splice to start a new branch from it"
            )
    _check_labels(graph, branch_labels)
    deps = tuple(dict.fromkeys(_dependency(graph, d) for d in depends_on))
    new = NewRevision(
        revision=_new_id(history, rev_id),
        down_revisions=parents,
        message=message,
        create_date=now(config.timezone),
        branch_labels=tuple(branch_labels),
        depends_on=deps,
        upgrades=upgrades,
        downgrades=downgrades,
        imports=tuple(imports),
    )
    folder = _target_folder(config, history, parents, version_path)
    path = _write(config, folder, new)
    _record_heads(config, history.graph, parents, new.revision)
    return path


def create_merge(
    config: Config,
    history: History,
    revisions: Sequence[str],
    message: str | None = None,
    *,
    branch_labels: Sequence[str] = (),
    rev_id: str | None = None,
) -> Path:
    """Write a merge revision joining ``revisions`` (e.g. ``["heads"]``), and the heads file
    when one is configured.

    Raises:
        ResolutionError: an identifier does not resolve, or ``rev_id`` is taken.
        UsageError: fewer than two revisions to join, or one is an ancestor of another.
    """
    graph = history.graph
    parents: list[str] = []
    for ident in revisions:
        for rid in resolve(graph, ident):
            if rid not in parents:
                parents.append(rid)
    if len(parents) < 2:
        raise UsageError(
            f"nothing to merge: {' '.join(revisions)} names {len(parents)} revision(s); "
            "a merge joins two or more"
        )
    for rid in parents:
        below = graph.ancestors([rid], dependencies=False) - {rid}
        inside = [p for p in parents if p in below]
        if inside:
            raise UsageError(f"{inside[0]} is an ancestor of {rid}; merging them adds nothing")
    _check_labels(graph, branch_labels)
    new = NewRevision(
        revision=_new_id(history, rev_id),
        down_revisions=tuple(parents),
        message=message or f"merge {', '.join(parents)}",
        create_date=now(config.timezone),
        branch_labels=tuple(branch_labels),
    )
    path = _write(config, _target_folder(config, history, new.down_revisions, None), new)
    _record_heads(config, graph, new.down_revisions, new.revision)
    return path


def _write(config: Config, folder: Path, new: NewRevision) -> Path:
    template = config.script_location / "script.py.mako"
    if not template.is_file():
        # `migguard init` refuses in an Alembic project, so it is not the way back there.
        alembic_project = "alembic" in config.sources.get("script_location", "")
        how = (
            "restore it from version control, or copy the one `alembic init` writes"
            if alembic_project
            else "`migguard init` creates it"
        )
        raise ConfigError(
            f"{display_path(template, config.root)} is missing; it is the template new "
            f"revision scripts are written from ({how})"
        )
    # The project's own template: in an Alembic project it says `from alembic import op`, so
    # the team can keep running Alembic on what migguard writes.
    ini = next((path for path in config.files if path.suffix != ".toml"), None)
    source = render_script(template, new, ini=ini)
    name = file_name(
        config.file_template,
        new.revision,
        new.message,
        new.create_date,
        config.truncate_slug_length,
    )
    return write_script(folder, name, source)


def _record_heads(config: Config, graph: RevisionGraph, parents: Sequence[str], rid: str) -> None:
    """Rewrite the heads file, when one is configured, for the heads once ``rid`` is added on
    ``parents``."""
    if config.heads_file is None:
        return
    from migguard.scripts.heads_file import write_heads_file

    write_heads_file(config.heads_file, [*(h for h in graph.heads if h not in parents), rid])


def _new_id(history: History, chosen: str | None) -> str:
    if chosen is None:
        rid = new_revision_id()
        while rid in history.graph:
            rid = new_revision_id()
        return rid
    check_rev_id(chosen)
    if chosen in history.graph:
        raise RevisionExistsError(chosen, history.display_path(chosen))
    return chosen


def check_rev_id(chosen: str) -> None:
    """Refuse a ``--rev-id`` that could not be read back, or that would put the script
    somewhere else than the version folder (the id becomes part of the file name).

    Raises:
        UsageError: the id is empty, holds a character the identifier grammar reserves
            (``@ + - :``), whitespace or a control character, a path separator (``/`` or
            ``\\``), or starts with ``.`` (``..``; hidden files are not read as scripts).
    """
    if (
        not chosen
        or ILLEGAL_ID_CHARS.intersection(chosen)
        or not chosen.isprintable()
        or any(c.isspace() for c in chosen)
    ):
        raise UsageError(
            f"--rev-id {chosen!r}: a revision id must not be empty or contain '@', '+', '-', "
            "':', whitespace or control characters"
        )
    if "/" in chosen or "\\" in chosen or chosen.startswith("."):
        raise UsageError(
            f"--rev-id {chosen!r}: a revision id becomes part of the file name: it must not "
            "contain '/' or '\\' or start with '.'"
        )


def _check_labels(graph: RevisionGraph, labels: Sequence[str]) -> None:
    for label in labels:
        owner = graph.label_owners.get(label) or (label if label in graph else None)
        if owner is not None:
            raise UsageError(
                f"branch label {label!r} is already used by {graph.get(owner).describe()}"
            )
        if not label or "@" in label:
            raise UsageError(f"branch label {label!r} must be non-empty and contain no '@'")


def _dependency(graph: RevisionGraph, ident: str) -> str:
    """A declared dependency: labels stay labels, ids and prefixes become full ids."""
    if ident in graph.label_owners:
        return ident
    return lookup(graph, ident)


def _target_folder(
    config: Config, history: History, parents: Sequence[str], chosen: Path | None
) -> Path:
    locations = [loc.resolve() for loc in config.version_locations]
    if chosen is not None:
        folder = chosen if chosen.is_absolute() else (Path.cwd() / chosen)
        if folder.resolve() not in locations:
            shown = ", ".join(display_path(loc, config.root) for loc in locations)
            raise UsageError(f"{chosen} is not a version location (they are: {shown})")
        return folder.resolve()
    if len(locations) == 1:
        return locations[0]
    if parents:
        return history.path(parents[0]).parent
    shown = ", ".join(display_path(loc, config.root) for loc in locations)
    raise UsageError(f"several version locations ({shown}); choose one with --version-path")
