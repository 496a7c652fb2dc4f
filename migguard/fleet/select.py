"""Choosing targets: ``--target NAME``, ``--tag TAG``, ``--all`` and ``--shard i/n``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from migguard.errors import UsageError
from migguard.fleet.targets import Target

__all__ = ["Shard", "parse_shard", "select_targets"]


class Shard(NamedTuple):
    """Part ``part`` (from 1) of ``parts`` equal parts of a fleet."""

    part: int
    parts: int


def parse_shard(text: str) -> Shard:
    """Read ``--shard i/n``.

    Args:
        text: ``"i/n"`` with ``1 <= i <= n``.

    Returns:
        The shard.

    Raises:
        UsageError: ``text`` is not of that form.
    """
    index, slash, count = text.partition("/")
    if slash and index.strip().isdigit() and count.strip().isdigit():
        shard = Shard(int(index), int(count))
        if 1 <= shard.part <= shard.parts:
            return shard
    raise UsageError(f"--shard takes i/n with 1 <= i <= n (e.g. 1/4), got {text!r}")


def select_targets(
    targets: Sequence[Target],
    *,
    names: Sequence[str] = (),
    tags: Sequence[str] = (),
    every: bool = False,
    shard: Shard | None = None,
    expand: Callable[[Target], Sequence[Target]] | None = None,
) -> tuple[Target, ...]:
    """The targets a command runs on.

    Args:
        targets: every configured target.
        names: ``--target`` values: these targets; the name of a table that made several
            targets (a list, schemas) chooses all of them.
        tags: ``--tag`` values: the targets carrying any of these tags.
        every: ``--all``: every target (``names`` and ``tags`` add nothing then).
        shard: ``--shard``: of the chosen targets sorted by name, the ``part``-th of every
            ``parts`` (1-based), so the shards together hold each target exactly once,
            whichever machine computes them.
        expand: turns a chosen target into the targets it stands for (a ``schemas``
            query, see :func:`migguard.fleet.schemas.expand_schemas`), before sharding, so
            shards split schemas, not databases; only chosen targets are expanded.

    Returns:
        The chosen targets, sorted by name, each once (possibly none, for a shard larger than
        the fleet's share).

    Raises:
        UsageError: no target is configured, or a name or tag matches none (the message names
            it and the known ones).
        What ``expand`` raises.
    """
    if not targets:
        raise UsageError(
            "no targets configured: add [targets.NAME] tables with a url to the configuration"
        )
    known = {target.name for target in targets} | {
        target.group for target in targets if target.group is not None
    }
    for name in names:
        if name not in known:
            raise UsageError(f"unknown target {name!r} (known: {', '.join(sorted(known))})")
    known_tags = sorted({tag for target in targets for tag in target.tags})
    for tag in tags:
        if tag not in known_tags:
            shown = ", ".join(known_tags) or "none"
            raise UsageError(f"no target has the tag {tag!r} (tags: {shown})")
    chosen = [
        target
        for target in targets
        if every
        or target.name in names
        or target.group in names
        or any(tag in target.tags for tag in tags)
    ]
    if expand is not None:
        chosen = [each for target in chosen for each in expand(target)]
    chosen.sort(key=lambda target: target.name)
    if shard is not None:
        chosen = chosen[shard.part - 1 :: shard.parts]
    return tuple(chosen)
