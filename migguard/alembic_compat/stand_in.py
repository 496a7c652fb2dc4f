"""The ``alembic`` package a revision script, or a project's env.py, sees while migguard runs it.

A script written for Alembic says ``from alembic import op``; while migguard loads it,
``alembic.op`` is migguard's ``op``. An env.py says ``from alembic import context``; while
migguard reads it, ``alembic.context`` is migguard's recording module. Importing the real Alembic
package costs about a fifth of a second (it brings in Mako, Pygments and several SQLAlchemy
dialects), so such code runs against a small stand-in package (:func:`stand_in_alembic`) that
serves only those modules. Modules the code imports may use more of Alembic
(``from alembic.operations import ops``, a plugin importing ``alembic.autogenerate``,
Flask-Migrate importing ``alembic.config``): the first such import or attribute makes the
stand-in give way to the real package, which serves migguard's modules in its turn until the
block ends. When Alembic is not installed, that import fails with one line naming the module and
saying that the real package is needed.

Code that imports more of Alembic itself (or runs after the real package was imported) runs
against the real package from the start (:func:`real_alembic_serving`). Either way, once the
block ends, neither the stand-in nor migguard's modules are left in ``sys.modules`` as
``alembic`` or ``alembic.<name>``; a real package imported meanwhile stays imported, with its own
modules.
"""

from __future__ import annotations

import importlib
import importlib.abc
import sys
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec

# Who is told that the real package is needed, by default: the stand-in serves revision scripts.
SCRIPT = "the revision script (or a module it imports) uses Alembic beyond `from alembic import op`"


def _needs_alembic(user: str) -> str:
    return f"{user}, which needs the real alembic package installed (pip install alembic)"


@contextmanager
def stand_in_alembic(
    served: Mapping[str, types.ModuleType] | None = None, *, user: str = SCRIPT
) -> Iterator[None]:
    """Within the block, ``alembic`` is a stand-in package serving ``served``.

    Any other name asked of it, as an attribute (``alembic.command``) or as a submodule
    (``import alembic.operations``), imports the real Alembic package in its place for the rest
    of the block (serving ``served`` in its turn).

    Args:
        served: submodule name -> the module ``alembic.<name>`` is within the block; by default
            ``{"op": migguard.op}`` (what a revision script needs).
        user: who needs more of Alembic, for the message when it is not installed
            (``"env.py (or a module it imports) uses Alembic beyond ..."``).

    Raises (from the imports inside the block):
        ModuleNotFoundError: such a name was asked for and Alembic is not installed; the
            message names the module and says the real package is needed.
    """
    stand_in = _StandIn(_served(served), user)
    keys = ["alembic", *(f"alembic.{name}" for name in stand_in.served)]
    saved = _entries(keys)
    sys.modules["alembic"] = stand_in.module
    for name, module in stand_in.served.items():
        sys.modules[f"alembic.{name}"] = module
    sys.meta_path.insert(0, stand_in)
    try:
        yield
    finally:
        sys.meta_path.remove(stand_in)
        if stand_in.real is None:
            _restore(saved)
        else:
            stand_in.give_back()


@contextmanager
def real_alembic_serving(
    served: Mapping[str, types.ModuleType] | None = None, *, user: str = SCRIPT
) -> Iterator[None]:
    """Within the block, ``alembic`` is the real Alembic package with ``served`` as its
    ``alembic.<name>`` modules (by default ``{"op": migguard.op}``); its own are given back
    afterwards. When Alembic is not installed, the stand-in is used instead (see
    :func:`stand_in_alembic`, which ``user`` is for)."""
    try:
        import alembic as real
    except ImportError:
        with stand_in_alembic(served, user=user):
            yield
        return
    swap = _Swap(real, _served(served))
    try:
        yield
    finally:
        swap.give_back()


def _served(served: Mapping[str, types.ModuleType] | None) -> dict[str, types.ModuleType]:
    if served is not None:
        return dict(served)
    from migguard import op

    return {"op": op}


class _Swap:
    """The real package's ``alembic.<name>`` modules replaced by ``served`` (attributes and
    ``sys.modules`` entries) until :meth:`give_back`."""

    def __init__(self, real: types.ModuleType, served: Mapping[str, types.ModuleType]) -> None:
        self.real = real
        self.attributes = {name: getattr(real, name, None) for name in served}
        self.modules = _entries(f"alembic.{name}" for name in served)
        for name, module in served.items():
            setattr(real, name, module)
            sys.modules[f"alembic.{name}"] = module

    def give_back(self) -> None:
        for name, previous in self.attributes.items():
            if previous is None:
                # The real package had no such attribute: leave it as it found it.
                self.real.__dict__.pop(name, None)
            else:
                setattr(self.real, name, previous)
        _restore(self.modules)


class _StandIn(importlib.abc.MetaPathFinder):
    """One stand-in package (``module``) serving ``served``, and the import hook that replaces
    it by the real Alembic package when a submodule of it is imported while it is
    ``sys.modules["alembic"]``."""

    def __init__(self, served: Mapping[str, types.ModuleType], user: str) -> None:
        self.served = dict(served)
        self.user = user
        module = types.ModuleType("alembic", "migguard's stand-in for the alembic package")
        module.__path__ = []  # a package, so that `import alembic.op` resolves too
        # A module built at run time: the served modules, and a module __getattr__ (PEP 562)
        # for the rest.
        for name, served_module in served.items():
            setattr(module, name, served_module)
        module.__getattr__ = self._attribute  # type: ignore[method-assign]
        self.module = module
        # The real package once it took the stand-in's place, serving our modules meanwhile.
        self.real: types.ModuleType | None = None
        self._swap: _Swap | None = None

    def _attribute(self, name: str) -> object:
        """A name the stand-in lacks (PEP 562 hook): the real package's."""
        if name.startswith("__") and name != "__version__":
            raise AttributeError(f"module 'alembic' has no attribute {name!r}")
        return getattr(self._real(f"alembic.{name}"), name)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> ModuleSpec | None:
        """``alembic.<name>`` while the stand-in is the ``alembic`` package: the real
        submodule (the real package takes the stand-in's place first). None for anything
        else, so the import system carries on as usual."""
        if not fullname.startswith("alembic.") or sys.modules.get("alembic") is not self.module:
            return None
        self._real(fullname)
        # The stand-in is out of the way now: this imports the real submodule as usual.
        module = importlib.import_module(fullname)
        spec = ModuleSpec(fullname, _Imported(module), origin=getattr(module, "__file__", None))
        # The import system, finding the name in sys.modules already, loads the module's own
        # ``__spec__`` rather than the one returned here: with the real file's spec that would
        # execute the module a second time (a new module object, without the submodules its
        # first run set as attributes). It gets its own spec back once this one has loaded it.
        module.__spec__ = spec
        return spec

    def _real(self, wanted: str) -> types.ModuleType:
        """The real Alembic package; while the stand-in is ``sys.modules["alembic"]``, the real
        one takes its place (serving our modules) for the rest of the block.

        Raises:
            ModuleNotFoundError: Alembic is not installed (the message names ``wanted``).
        """
        if self.real is not None:
            return self.real
        active = sys.modules.get("alembic") is self.module
        if active:
            # The real package's own modules must load under these names first.
            del sys.modules["alembic"]
            for name in self.served:
                sys.modules.pop(f"alembic.{name}", None)
        try:
            real = importlib.import_module("alembic")
        except ImportError as exc:
            if active:
                sys.modules["alembic"] = self.module
                for name, module in self.served.items():
                    sys.modules[f"alembic.{name}"] = module
            message = f"No module named {wanted!r}: {_needs_alembic(self.user)}"
            raise ModuleNotFoundError(message, name=wanted) from exc
        if not active:
            # The block is over: hand out the real package as it is.
            return real
        self.real = real
        self._swap = _Swap(real, self.served)
        return real

    def give_back(self) -> None:
        """The real package took the stand-in's place: give it back its own modules."""
        assert self._swap is not None
        self._swap.give_back()


class _Imported(importlib.abc.Loader):
    """Hands the import system a module that is imported already."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module
        self.spec = getattr(module, "__spec__", None)  # read before find_spec replaces it

    def create_module(self, spec: ModuleSpec) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        # The import system has set this loader's spec on the module: give it its own back.
        module.__spec__ = self.spec


# What `sys.modules` held under a name: a module, None (an import made to fail, as tests and
# some tools do to hide a package), or nothing at all.
_ABSENT = object()


def _entries(keys: Iterable[str]) -> dict[str, object]:
    return {key: sys.modules.get(key, _ABSENT) for key in keys}


def _restore(saved: Mapping[str, object]) -> None:
    for key, module in saved.items():
        if module is _ABSENT:
            sys.modules.pop(key, None)
        else:
            sys.modules[key] = module  # type: ignore[assignment]
