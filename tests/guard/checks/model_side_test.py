"""The models' snapshot taken while a replay waits: the same as the comparison would take, and
never an error raised in the replay."""

from __future__ import annotations

import sqlalchemy as sa

from migguard.autogen.snapshot import snapshot_of_metadata
from migguard.config.load import load_config
from migguard.guard.checks.model_side import ModelSide
from migguard.guard.replay.judges import comparison_dialect
from tests.testing.project import Project


def models() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "customer",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), index=True),
    )
    return metadata


def test_the_snapshot_taken_ahead_is_the_comparison_s_own(project: Project) -> None:
    config = load_config(cwd=project.root, environ={})
    side = ModelSide([models()], config)
    dialect = comparison_dialect(config, "main")
    assert side.taken_for(dialect) is None
    side.take_ahead()
    assert side.taken_for(dialect) == snapshot_of_metadata(side.metadata, dialect)
    # Another default schema (a database the snapshot was not taken for): taken again.
    assert side.taken_for(comparison_dialect(config, "other")) is None


def test_models_the_snapshot_refuses_are_left_to_the_comparison(project: Project) -> None:
    config = load_config(cwd=project.root, environ={})
    # Two MetaData defining the same table: snapshot_of_metadata raises ValueError.
    side = ModelSide([models(), models()], config)
    side.take_ahead()
    assert side.taken_for(comparison_dialect(config, "main")) is None


def test_nothing_is_taken_ahead_for_a_server_s_replay(project: Project) -> None:
    config = load_config(cwd=project.root, environ={})._replace(
        check_url="postgresql+psycopg://nobody@127.0.0.1:1/postgres"
    )
    side = ModelSide([models()], config)
    side.take_ahead()
    assert side.taken_for(comparison_dialect(config, "public")) is None
