"""Choosing targets by name, tag, all of them, and shards that split a fleet exactly."""

from __future__ import annotations

import pytest

from migguard.errors import UsageError
from migguard.fleet.select import Shard, parse_shard, select_targets
from migguard.fleet.targets import Target

FLEET = (
    Target("eu-1", "sqlite:///eu1.db", ("eu", "prod")),
    Target("eu-2", "sqlite:///eu2.db", ("eu",)),
    Target("us-1", "sqlite:///us1.db", ("us", "prod")),
    Target("analytics", "sqlite:///a.db"),
)


def names(targets: tuple[Target, ...]) -> list[str]:
    return [target.name for target in targets]


def test_names_tags_and_all_choose_targets_sorted_each_once() -> None:
    assert names(select_targets(FLEET, names=["us-1", "eu-2"])) == ["eu-2", "us-1"]
    assert names(select_targets(FLEET, tags=["prod"])) == ["eu-1", "us-1"]
    assert names(select_targets(FLEET, names=["eu-1"], tags=["eu"])) == ["eu-1", "eu-2"]
    assert names(select_targets(FLEET, every=True)) == ["analytics", "eu-1", "eu-2", "us-1"]


def test_unknown_names_and_tags_are_usage_errors_naming_them() -> None:
    with pytest.raises(UsageError, match=r"unknown target 'asia' \(known: analytics, eu-1"):
        select_targets(FLEET, names=["asia"])
    with pytest.raises(UsageError, match=r"no target has the tag 'staging' \(tags: eu, prod, us\)"):
        select_targets(FLEET, tags=["staging"])
    with pytest.raises(UsageError, match="no targets configured"):
        select_targets((), every=True)


def test_shards_together_hold_every_target_exactly_once() -> None:
    fleet = tuple(Target(f"t{i:02d}", f"sqlite:///t{i}.db") for i in range(23))
    for parts in (1, 2, 3, 7, 30):
        shards = [
            select_targets(fleet, every=True, shard=Shard(i, parts)) for i in range(1, parts + 1)
        ]
        chosen = sorted(name for shard in shards for name in names(shard))
        assert chosen == names(fleet)
        sizes = {len(shard) for shard in shards}
        assert max(sizes) - min(sizes) <= 1


def test_shard_text_is_i_of_n_from_one() -> None:
    assert parse_shard("2/3") == Shard(2, 3)
    for wrong in ("0/2", "3/2", "1", "a/b", "1/0", "-1/2"):
        with pytest.raises(UsageError, match="--shard takes i/n"):
            parse_shard(wrong)
