"""Post-write hooks: checking their configuration and running real programs on a script."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from migguard.errors import ConfigError
from migguard.scripts.post_write import PostWriteHook, post_write_hooks, run_post_write_hook

WHERE = "migguard.toml"
UNFORMATTED = "x = {'a':1}\n"


def recorder(folder: Path) -> Path:
    """An executable that writes its working folder and arguments, one per line, to
    ``args.txt`` in its working folder."""
    program = folder / "record-args"
    program.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "with open('args.txt', 'w') as out:\n"
        "    out.write('\\n'.join([os.getcwd(), *sys.argv[1:]]))\n"
        "sys.exit(int(os.environ.get('RECORD_STATUS', '0')))\n",
        encoding="utf-8",
    )
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program


def script(folder: Path) -> Path:
    path = folder / "abc123_first.py"
    path.write_text(UNFORMATTED, encoding="utf-8")
    return path


def test_hooks_are_read_in_order_with_their_keys(tmp_path: Path) -> None:
    hooks = post_write_hooks(
        [
            {"name": "format", "type": "module", "module": "ruff", "options": "format"},
            {"name": "lint", "type": "exec", "executable": "ruff", "cwd": "src"},
            {"name": "black", "type": "console_scripts", "entrypoint": "black", "options": ""},
        ],
        root=tmp_path,
        where=WHERE,
    )
    assert hooks == (
        PostWriteHook("format", "module", "ruff", "format"),
        PostWriteHook("lint", "exec", "ruff", "", tmp_path / "src"),
        PostWriteHook("black", "console_scripts", "black"),
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"type": "exec", "executable": "ruff"},
            "post-write hook #1 in migguard.toml needs a 'name'",
        ),
        ({"name": "ruff", "executable": "ruff"}, "needs a 'type' (exec, console_scripts, module)"),
        ({"name": "ruff", "type": "python"}, "has type 'python'; migguard runs these types"),
        ({"name": "ruff", "type": "exec"}, "needs 'executable', which its type (exec) runs"),
        ({"name": "ruff", "type": "module", "entrypoint": "ruff"}, "unknown key 'entrypoint'"),
        (
            {"name": "ruff", "type": "exec", "executable": 3},
            "key 'executable' in migguard.toml hook 'ruff' must be a string, got integer",
        ),
    ],
)
def test_a_misconfigured_hook_is_named(
    tmp_path: Path, entry: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        post_write_hooks([entry], root=tmp_path, where=WHERE)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_name_used_twice_is_an_error(tmp_path: Path) -> None:
    hook = {"name": "ruff", "type": "module", "module": "ruff"}
    with pytest.raises(ConfigError, match=r"name 'ruff' is used twice in migguard\.toml"):
        post_write_hooks([hook, hook], root=tmp_path, where=WHERE)


def test_the_script_path_replaces_the_token_or_goes_first(tmp_path: Path) -> None:
    path = tmp_path / "a b.py"
    placed = PostWriteHook("x", "exec", "x", "check --fix REVISION_SCRIPT_FILENAME 'two words'")
    assert placed.arguments(path) == ["check", "--fix", str(path), "two words"]
    assert PostWriteHook("x", "exec", "x", "-l 79").arguments(path) == [str(path), "-l", "79"]
    with pytest.raises(ConfigError, match="post-write hook 'x': options: No closing quotation"):
        PostWriteHook("x", "exec", "x", "'unclosed").arguments(path)


def test_an_exec_hook_runs_in_its_folder_and_returns_its_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    hook = PostWriteHook(
        "rec", "exec", str(recorder(tmp_path)), "--flag REVISION_SCRIPT_FILENAME", work
    )
    target = script(tmp_path)
    assert run_post_write_hook(hook, target) == 0
    assert (work / "args.txt").read_text().splitlines() == [str(work), "--flag", str(target)]
    monkeypatch.setenv("RECORD_STATUS", "3")
    assert run_post_write_hook(hook, target) == 3


def test_a_module_hook_runs_the_module_with_this_python(tmp_path: Path) -> None:
    target = script(tmp_path)
    hook = PostWriteHook("format", "module", "ruff", "format --isolated REVISION_SCRIPT_FILENAME")
    assert run_post_write_hook(hook, target) == 0
    assert target.read_text() == 'x = {"a": 1}\n'


def test_a_console_scripts_hook_runs_the_installed_entry_point(tmp_path: Path) -> None:
    # pygmentize is the console script of Pygments, which rich depends on.
    target = script(tmp_path)
    html = tmp_path / "out.html"
    hook = PostWriteHook("html", "console_scripts", "pygmentize", f"-f html -o {html} -l python")
    assert run_post_write_hook(hook, target) == 0
    assert "<span" in html.read_text()


@pytest.mark.parametrize(
    ("hook", "message"),
    [
        (
            PostWriteHook("lint", "exec", "no-such-linter-here"),
            "post-write hook 'lint': executable 'no-such-linter-here' is not found",
        ),
        (
            PostWriteHook("lint", "module", "no_such_linter_here"),
            "post-write hook 'lint': module 'no_such_linter_here' is not installed in",
        ),
        (
            PostWriteHook("lint", "console_scripts", "no-such-linter-here"),
            "no installed package provides the console script 'no-such-linter-here'",
        ),
    ],
)
def test_a_hook_whose_program_is_missing_is_named(
    tmp_path: Path, hook: PostWriteHook, message: str
) -> None:
    target = script(tmp_path)
    with pytest.raises(ConfigError) as raised:
        run_post_write_hook(hook, target)
    assert message in str(raised.value)
    assert target.read_text() == UNFORMATTED


def test_a_missing_working_folder_is_named(tmp_path: Path) -> None:
    hook = PostWriteHook("rec", "exec", str(recorder(tmp_path)), "", tmp_path / "gone")
    with pytest.raises(ConfigError, match=r"post-write hook 'rec': cwd .*gone is not a folder"):
        run_post_write_hook(hook, script(tmp_path))
