"""The ``alembic`` package a revision script sees while migguard loads it.

A script written for Alembic says ``from alembic import op``; while migguard loads it,
``alembic.op`` is migguard's ``op``. Importing the real Alembic package costs about a tenth of a
second, so a script whose only Alembic import is ``from alembic import op`` is loaded against a
small stand-in package (:func:`stand_in_alembic`). Modules the script imports may use more of
Alembic (``from alembic.operations import ops``, a plugin importing ``alembic.autogenerate``):
the first such import or attribute makes the stand-in give way to the real package, with
migguard's ``op`` as its ``op`` until the load ends. When Alembic is not installed, that import
fails with one line naming the module and saying that the real package is needed.

A script that imports more of Alembic itself is loaded against the real package from the start
(:func:`real_alembic_with_our_op`). Either way, once the script is loaded, neither the stand-in
nor migguard's ``op`` is left in ``sys.modules`` as ``alembic`` or ``alembic.op``; a real
package imported meanwhile stays imported, with its own ``op``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import sys
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec

# Where a missing Alembic is explained: the stand-in serves only this one import.
_NEEDS_ALEMBIC = (
    "the revision script (or a module it imports) uses Alembic beyond `from alembic import op`, "
    "which needs the real alembic package installed (pip install alembic)"
)


@contextmanager
def stand_in_alembic() -> Iterator[None]:
    """Within the block, ``alembic`` is a stand-in package whose ``op`` is migguard's ``op``.

    Any other name asked of it, as an attribute (``alembic.context``) or as a submodule
    (``import alembic.operations``), imports the real Alembic package in its place for the rest
    of the block (``alembic.op`` stays migguard's).

    Raises (from the imports inside the block):
        ModuleNotFoundError: such a name was asked for and Alembic is not installed; the
            message names the module and says the real package is needed.
    """
    from migguard import op

    stand_in = _StandIn(op)
    saved = {key: sys.modules.get(key) for key in ("alembic", "alembic.op")}
    sys.modules["alembic"] = stand_in.module
    sys.modules["alembic.op"] = op
    sys.meta_path.insert(0, stand_in)
    try:
        yield
    finally:
        sys.meta_path.remove(stand_in)
        if stand_in.real is None:
            _restore(saved)
        else:
            stand_in.give_back_op()


@contextmanager
def real_alembic_with_our_op() -> Iterator[None]:
    """Within the block, ``alembic`` is the real Alembic package with migguard's ``op`` as
    ``alembic.op``; the real ``op`` is given back afterwards. When Alembic is not installed,
    the stand-in is used instead (see :func:`stand_in_alembic`)."""
    from migguard import op

    try:
        import alembic as real
    except ImportError:
        with stand_in_alembic():
            yield
        return
    saved_module = sys.modules.get("alembic.op")
    saved_attr = getattr(real, "op", None)
    setattr(real, "op", op)  # noqa: B010 - a module attribute, set dynamically
    sys.modules["alembic.op"] = op
    try:
        yield
    finally:
        if saved_attr is not None:
            setattr(real, "op", saved_attr)  # noqa: B010
        _restore({"alembic.op": saved_module})


class _StandIn(importlib.abc.MetaPathFinder):
    """One stand-in package (``module``), and the import hook that replaces it by the real
    Alembic package when a submodule of it is imported while it is ``sys.modules["alembic"]``."""

    def __init__(self, op: types.ModuleType) -> None:
        self.op = op
        module = types.ModuleType("alembic", "migguard's stand-in for the alembic package")
        module.__path__ = []  # a package, so that `import alembic.op` resolves too
        # A module built at run time: `op`, and a module __getattr__ (PEP 562) for the rest.
        module.op = op  # type: ignore[attr-defined]
        module.__getattr__ = self._attribute  # type: ignore[method-assign]
        self.module = module
        # The real package once it took the stand-in's place, and its own `op` to give back.
        self.real: types.ModuleType | None = None
        self._real_op: object = None
        self._real_op_module: types.ModuleType | None = None

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
        one takes its place (with migguard's ``op``) for the rest of the load.

        Raises:
            ModuleNotFoundError: Alembic is not installed (the message names ``wanted``).
        """
        if self.real is not None:
            return self.real
        active = sys.modules.get("alembic") is self.module
        if active:
            del sys.modules["alembic"]
            sys.modules.pop("alembic.op", None)
        try:
            real = importlib.import_module("alembic")
        except ImportError as exc:
            if active:
                sys.modules["alembic"] = self.module
                sys.modules["alembic.op"] = self.op
            message = f"No module named {wanted!r}: {_NEEDS_ALEMBIC}"
            raise ModuleNotFoundError(message, name=wanted) from exc
        if not active:
            # The load is over: hand out the real package as it is.
            return real
        self.real = real
        self._real_op = getattr(real, "op", None)
        self._real_op_module = sys.modules.get("alembic.op")
        setattr(real, "op", self.op)  # noqa: B010
        sys.modules["alembic.op"] = self.op
        return real

    def give_back_op(self) -> None:
        """The real package took the stand-in's place: give it back its own ``op``."""
        assert self.real is not None
        if self._real_op is not None:
            setattr(self.real, "op", self._real_op)  # noqa: B010
        _restore({"alembic.op": self._real_op_module})


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


def _restore(saved: dict[str, types.ModuleType | None]) -> None:
    for key, module in saved.items():
        if module is None:
            sys.modules.pop(key, None)
        else:
            sys.modules[key] = module
