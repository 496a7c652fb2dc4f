"""Creating a migration environment (``migguard init``) from a bundled template."""

from __future__ import annotations

import json
import os
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from migguard.config.paths import resolve_path
from migguard.errors import ConfigError, UsageError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_ENV_FILES = ("script.py.mako", "README")


@dataclass(frozen=True)
class Template:
    """A bundled environment template.

    Attributes:
        name: what ``--template`` takes.
        description: one line for ``list-templates``.
        folder: where its files are.
        extends: the template supplying files this one lacks, if any.
        config: extra configuration keys it writes (e.g. ``file_template``).
    """

    name: str
    description: str
    folder: Path
    extends: str | None
    config: dict[str, str]


@dataclass(frozen=True)
class InitResult:
    """What ``init`` created: the environment folder and the configuration file written."""

    directory: Path
    config_file: Path
    created_config: bool


def list_templates() -> list[Template]:
    """The bundled templates, sorted by name."""
    found = []
    for folder in sorted(TEMPLATES.iterdir()):
        meta = tomllib.loads((folder / "template.toml").read_text(encoding="utf-8"))
        found.append(
            Template(
                name=folder.name,
                description=meta["description"],
                folder=folder,
                extends=meta.get("extends"),
                config=dict(meta.get("config", {})),
            )
        )
    return found


def _template_file(templates: dict[str, Template], template: Template, name: str) -> Path:
    current: Template | None = template
    while current is not None:
        candidate = current.folder / name
        if candidate.exists():
            return candidate
        current = templates[current.extends] if current.extends else None
    raise UsageError(f"template {template.name!r} has no {name}")


def init_environment(
    directory: Path, template_name: str, cwd: Path, *, package: bool = False
) -> InitResult:
    """Create a migration environment and write its configuration.

    The environment is ``directory`` with ``versions/``, ``script.py.mako`` and ``README``.
    The configuration goes into ``cwd``: a ``[tool.migguard]`` table appended to an existing
    ``pyproject.toml``, otherwise a new ``migguard.toml``.

    Args:
        directory: the folder to create (relative paths are taken from ``cwd``).
        template_name: a name from :func:`list_templates`.
        cwd: where the configuration is written.
        package: also write an empty ``__init__.py`` in the folder and in ``versions/``
            (for projects that import their migrations as a package).

    Returns:
        What was created.

    Raises:
        UsageError: unknown template, or ``directory`` exists and is not empty.
        ConfigError: ``cwd`` is configured for migguard already, or holds an Alembic
            environment (``alembic.ini``, ``[tool.alembic]``): migguard uses that one, and a
            second environment configured here would shadow it.
    """
    _refuse_alembic_environment(cwd)
    templates = {t.name: t for t in list_templates()}
    template = templates.get(template_name)
    if template is None:
        raise UsageError(
            f"unknown template {template_name!r}; available: {', '.join(sorted(templates))}"
        )
    directory = (cwd / directory).resolve()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UsageError(f"{directory} exists and is not empty; choose a new folder")
    config_file, existing = _config_target(cwd)
    sources = {name: _template_file(templates, template, name) for name in _ENV_FILES}

    (directory / "versions").mkdir(parents=True, exist_ok=True)
    for name, source in sources.items():
        shutil.copyfile(source, directory / name)
    if package:
        for folder in (directory, directory / "versions"):
            (folder / "__init__.py").touch()
    location = Path(os.path.relpath(directory, cwd)).as_posix()
    table = _config_text(location, template.config, in_pyproject=existing)
    text = config_file.read_text(encoding="utf-8").rstrip("\n") if existing else ""
    config_file.write_text(f"{text}\n\n{table}" if text else table, encoding="utf-8")
    return InitResult(directory=directory, config_file=config_file, created_config=not existing)


def _refuse_alembic_environment(cwd: Path) -> None:
    """Raise ConfigError naming the Alembic environment configured in ``cwd``, if any."""
    from migguard.config.sources import folder_layers  # reads no more than discovery does

    for layer in folder_layers(cwd.resolve()):
        if not layer.strict:  # alembic.ini or [tool.alembic]: Alembic's own settings
            location = layer.values.get("script_location")
            shown = (
                f" ({resolve_path(location, layer.path.parent)})"
                if isinstance(location, str)
                else ""
            )
            raise ConfigError(
                f"{layer.where} already configures an Alembic environment{shown} and migguard "
                "uses it as it is: run `migguard check` or `migguard upgrade head` here; put "
                "migguard's own settings in [tool.migguard] or migguard.toml, without "
                "script_location"
            )


def _config_target(cwd: Path) -> tuple[Path, bool]:
    """Where to write the configuration, and whether that file exists already."""
    own = cwd / "migguard.toml"
    if own.exists():
        raise ConfigError(f"{own} exists already; this folder is configured for migguard")
    pyproject = cwd / "pyproject.toml"
    if not pyproject.exists():
        return own, False
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: invalid TOML ({exc}); fix it before `init`") from None
    if "migguard" in data.get("tool", {}):
        raise ConfigError(f"{pyproject} already has a [tool.migguard] table")
    return pyproject, True


def _config_text(location: str, extra: dict[str, str], *, in_pyproject: bool) -> str:
    lines = ["[tool.migguard]"] if in_pyproject else ["# migguard configuration"]
    lines.append(f"script_location = {json.dumps(location)}")
    lines.extend(f"{key} = {json.dumps(value)}" for key, value in extra.items())
    lines += [
        "# The database; ${VAR} is read from the environment, and MIGGUARD_URL overrides it.",
        '# url = "sqlite:///app.db"',
        "# Your models' MetaData (one import path or a list), for autogenerate and checks.",
        '# metadata = "myapp.models:Base.metadata"',
    ]
    return "\n".join(lines) + "\n"
