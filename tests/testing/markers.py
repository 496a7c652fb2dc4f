"""The suite's markers, applied at collection from what each test uses, so nobody has to remember
them: ``postgresql`` and ``mariadb`` (the throwaway servers), ``git`` (real repositories),
``precommit`` (the real pre-commit program). ``slow`` is written by hand on the slowest tests.
The markers are declared in pyproject.toml (``--strict-markers``); the fast subset is
``pytest -m "not slow and not postgresql and not mariadb"``.

What a test uses is found by following its code: the test function, the fixtures it requests
(their whole chain) and every function of the test suite they name, transitively. A test that
reaches :func:`tests.testing.gitrepo.git`, GitPython's ``Repo`` or a literal ``["git", ...]``
command uses git; one that reaches :func:`tests.testing.precommit.run_pre_commit` or its
fixtures uses pre-commit; one whose fixtures include ``postgres_server``, or that is a
``postgresql`` case of a parametrized test (``db_url``, ``dialect``, ...), uses PostgreSQL;
likewise ``mariadb_server`` or a ``mariadb`` case uses MariaDB.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

POSTGRESQL = "postgresql"
MARIADB = "mariadb"
GIT = "git"
PRECOMMIT = "precommit"

POSTGRES_FIXTURES = frozenset({"postgres_server"})
MARIADB_FIXTURES = frozenset({"mariadb_server"})
PRECOMMIT_FIXTURES = frozenset({"hook_repository", "pre_commit_home"})


def _git_targets() -> tuple[object, ...]:
    """The objects whose use means a test drives git."""
    from git import Repo

    from tests.testing.gitrepo import git

    return (git, Repo)


def _precommit_targets() -> tuple[object, ...]:
    from tests.testing.precommit import run_pre_commit

    return (run_pre_commit,)


def code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and the code of every function, lambda and comprehension nested in it."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from code_objects(const)


def runs_git_literally(code: types.CodeType) -> bool:
    """Whether ``code`` holds a command starting with ``"git"`` (``["git", "ls-files", ...]``
    compiles to a constant tuple, or to the lone constant ``"git"``)."""
    return any(
        const == "git" or (isinstance(const, tuple) and const[:1] == ("git",))
        for nested in code_objects(code)
        for const in nested.co_consts
    )


def reached(roots: Iterable[Callable[..., Any]]) -> tuple[list[object], bool]:
    """Every global object the functions ``roots`` name, following the test suite's own
    functions (modules ``tests.*``) transitively; and whether any of them spells a git
    command literally."""
    seen: set[int] = set()
    found: list[object] = []
    literal_git = False
    pending = list(roots)
    while pending:
        function = inspect.unwrap(pending.pop())
        code = getattr(function, "__code__", None)
        if code is None or id(code) in seen:
            continue
        seen.add(id(code))
        literal_git = literal_git or runs_git_literally(code)
        namespace = getattr(function, "__globals__", {})
        for nested in code_objects(code):
            for name in nested.co_names:
                if name not in namespace:
                    continue
                target = namespace[name]
                found.append(target)
                if inspect.isfunction(target) and target.__module__.startswith("tests"):
                    pending.append(target)
    return found, literal_git


def uses_server(item: pytest.Item, fixtures: frozenset[str], param: str) -> bool:
    """Whether ``item`` requests one of the server ``fixtures`` or is the ``param`` case of a
    parametrized test."""
    if fixtures & set(getattr(item, "fixturenames", ())):
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and param in callspec.params.values()


def fixture_functions(item: pytest.Item) -> list[Callable[..., Any]]:
    """The functions of every fixture ``item`` requests, directly or through other fixtures."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    return [
        definition.func
        for name in item.fixturenames  # type: ignore[attr-defined]
        for definition in info.name2fixturedefs.get(name, ())
    ]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Add the ``postgresql``, ``mariadb``, ``git`` and ``precommit`` markers to the tests that
    use them."""
    git_targets = _git_targets()
    precommit_targets = _precommit_targets()
    for item in items:
        if uses_server(item, POSTGRES_FIXTURES, POSTGRESQL):
            item.add_marker(POSTGRESQL)
        if uses_server(item, MARIADB_FIXTURES, MARIADB):
            item.add_marker(MARIADB)
        roots = [*fixture_functions(item), getattr(item, "obj", None)]
        objects, literal_git = reached(root for root in roots if root is not None)
        fixtures = set(getattr(item, "fixturenames", ()))
        if literal_git or any(any(o is t for t in git_targets) for o in objects):
            item.add_marker(GIT)
        if PRECOMMIT_FIXTURES & fixtures or any(
            any(o is t for t in precommit_targets) for o in objects
        ):
            item.add_marker(PRECOMMIT)
