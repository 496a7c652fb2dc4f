"""The checks of ``migguard check``: each a function ``(CheckContext) -> list[Finding]`` in a
module of its own (or shared by a closely related pair), registered in
:mod:`migguard.guard.checks.run`.
"""
