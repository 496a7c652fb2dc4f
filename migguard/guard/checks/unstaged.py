"""The ``unstaged`` check: revision scripts the checks read but the commit would leave out.

At commit time the checks read the working tree. The pre-commit framework stashes unstaged
changes to tracked files first, but a file git does not track yet stays in the working tree,
and the plain git hook stashes nothing. So a revision written for a model change but never
``git add``-ed makes ``sync`` pass while the commit carries the model change alone: the very
mistake the guard is there to catch. This check names such scripts. It reads the index git
names for the commit being made (``GIT_INDEX_FILE``): ``git commit -a`` or ``git commit
<paths>`` commit a temporary index, not the one ``git add`` fills. It runs only with
``--staged`` (the commit hooks pass it): during development an unstaged new revision is normal.
"""

from __future__ import annotations

import os

from migguard.guard import git
from migguard.guard.checks.context import CheckContext
from migguard.guard.findings import ERROR, INFO, Finding

__all__ = ["check_unstaged"]


def check_unstaged(context: CheckContext) -> list[Finding]:
    """Report the history's scripts that are untracked, or changed since they were staged.

    Args:
        context: the check run (configuration and working-tree history).

    Returns:
        An ``unstaged`` error per such script; one info when the project is not in a git
        working tree (nothing is staged there).
    """
    history = context.history
    # The index of the commit being made: a temporary one for `git commit -a`, `<paths>`, -p...
    repo = git.open_repo(history.root, index_file=git.hook_index_file(os.environ))
    if repo is None:
        return [Finding("unstaged", INFO, "skipped: the project is not in a git working tree")]
    top = os.path.realpath(git.top(repo))
    real_folders = [os.path.realpath(folder) for folder in context.config.version_locations]
    folders = [
        os.path.relpath(folder, top)
        for folder in real_folders
        if folder.startswith(os.path.join(top, ""))
    ]
    if not folders:
        return []  # no version location inside the working tree: git stages none of it
    untracked = _paths(git.untracked_files(repo, folders), top)
    changed = _paths(git.unstaged_files(repo, folders), top)
    findings = []
    for rid in history.files:
        path = os.path.realpath(history.path(rid))
        shown = history.display_path(rid)
        if path in untracked:
            problem = "is not staged: the checks counted it, but the commit would leave it out"
            hint = f"stage it: git add {shown}"
        elif path in changed:
            problem = (
                "has changes that are not staged: the checks read them, but the commit holds "
                "the staged version"
            )
            hint = f"stage the changes (git add {shown}) or drop them (git restore {shown})"
        else:
            continue
        findings.append(
            Finding("unstaged", ERROR, f"revision {rid} ({shown}) {problem}", shown, hint=hint)
        )
    return findings


def _paths(names: list[str], top: str) -> set[str]:
    """Real absolute paths of top-relative paths."""
    return {os.path.realpath(os.path.join(top, name)) for name in names}
