"""migguard's offline ``alembic.context`` as env.py calls it, compared with Alembic's
``EnvironmentContext`` where Alembic answers without a database."""

from __future__ import annotations

import argparse

import pytest
from alembic.config import Config as RealConfig
from alembic.runtime.environment import EnvironmentContext

from migguard.alembic_compat.config import AlembicConfig, command_options
from migguard.alembic_compat.env_context import EnvRecorder, OfflineEnvError, build_context_module

X_VALUES = ["tenant=acme", "dry", "url=postgresql://u@h/db?x=1"]


def context_for(x: list[str], heads: tuple[str, ...] = ("b2",)):  # type: ignore[no-untyped-def]
    recorder = EnvRecorder(AlembicConfig(cmd_opts=command_options(x)), lambda: heads)
    return recorder, build_context_module(recorder)


def test_x_arguments_as_alembic_gives_them() -> None:
    _, context = context_for(X_VALUES)
    real = EnvironmentContext(RealConfig(cmd_opts=argparse.Namespace(x=X_VALUES)), None)
    assert context.get_x_argument() == real.get_x_argument() == X_VALUES
    assert context.get_x_argument(as_dictionary=True) == real.get_x_argument(as_dictionary=True)
    _, without = context_for([])
    assert without.get_x_argument(as_dictionary=True) == {}


def test_configure_calls_are_recorded_and_nothing_runs() -> None:
    recorder, context = context_for([])
    assert context.is_offline_mode() is True
    context.configure(url="sqlite://", target_metadata=None, version_table="v")
    with context.begin_transaction():
        context.execute("DROP TABLE everything")
        context.run_migrations(engine_name="engine1")
    assert recorder.configure_calls == [
        {"url": "sqlite://", "target_metadata": None, "version_table": "v"}
    ]
    assert recorder.run_calls == [{"engine_name": "engine1"}]
    assert context.get_context().opts["version_table"] == "v"
    assert context.get_context().config is context.config
    assert context.get_tag_argument() is None
    assert context.get_revision_argument() is None


def test_heads_come_from_the_history() -> None:
    _, context = context_for([], heads=("b2",))
    assert context.get_head_revision() == "b2"
    assert context.get_head_revisions() == ("b2",)
    _, forked = context_for([], heads=("b2", "c3"))
    with pytest.raises(OfflineEnvError, match="2 heads"):
        forked.get_head_revision()


def test_a_connection_is_refused_saying_migguard_reads_offline() -> None:
    _, context = context_for([])
    with pytest.raises(OfflineEnvError, match="offline"):
        context.get_bind()
    with pytest.raises(OfflineEnvError, match="before configure"):
        context.get_context()
