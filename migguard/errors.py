"""Exception types and the exit codes they map to.

Library code raises these; only the command-line boundary (``migguard.cli``) turns them into a
one-line message and an exit status. The exit codes are documented in the README:

=====  ==========================================================
0      success
1      a check found problems
2      usage or configuration error
3      broken history (a graph or revision-script error)
4      database error (with several targets: none of them succeeded)
5      some targets succeeded and some failed (``upgrade --all``, ``current --all``)
70     internal error: an unexpected exception, a bug in migguard
130    interrupted (Ctrl-C), as shells report a SIGINT
=====  ==========================================================
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_HISTORY = 3
EXIT_DATABASE = 4
# A run over several targets (migguard.fleet) where some succeeded and some did not: apart from
# 4 (none succeeded) so a deploy script can tell a partial rollout from a failed one.
EXIT_PARTIAL = 5
# Apart from 0-4 so a bug is never mistaken for bad input; 70 is sysexits.h's EX_SOFTWARE.
EXIT_INTERNAL = 70
# 128 + SIGINT, what a shell reports for a program stopped with Ctrl-C.
EXIT_INTERRUPTED = 130


class MigguardError(Exception):
    """Base of every error migguard reports; ``exit_code`` is the process status to use."""

    exit_code = EXIT_USAGE


class UsageError(MigguardError):
    """A command was called with arguments that cannot work (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigError(MigguardError):
    """The configuration is missing, unreadable or holds an invalid value (exit 2)."""

    exit_code = EXIT_USAGE


class HistoryError(MigguardError):
    """The migration history is broken: a graph or revision-script error (exit 3).

    Attributes:
        file: the script to blame, relative to the project with forward slashes, when one
            is (the message names it too); reports show it apart (JSON, GitHub annotations).
        line: the 1-based line in ``file``, when known.
    """

    exit_code = EXIT_HISTORY
    file: str | None = None
    line: int | None = None


class DatabaseError(MigguardError):
    """The database could not be reached, or a migration failed on it (exit 4)."""

    exit_code = EXIT_DATABASE
