"""Which engine builds the site, from which configuration file.

Three engines read the same ``mkdocs.yml``: MkDocs, ProperDocs (MkDocs 1.x continued,
which also reads ``properdocs.yml``) and Zensical. ``runbookgen build`` runs whichever is
installed; ``--engine`` (or ``RUNBOOKGEN_ENGINE``) picks one. Nothing here imports an
engine: "installed" is asked of the import system (``find_spec``), so ``--help`` and
errors stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from runbookgen.errors import RunbookgenError

ENGINES = ("mkdocs", "properdocs", "zensical")
#: the Python package that must be importable for each engine
PACKAGES = {"mkdocs": "mkdocs", "properdocs": "properdocs", "zensical": "zensical"}
#: configuration files each engine reads, in the order it looks for them
CONFIG_NAMES = {
    "mkdocs": ("mkdocs.yml", "mkdocs.yaml"),
    "properdocs": ("properdocs.yml", "properdocs.yaml", "mkdocs.yml", "mkdocs.yaml"),
    "zensical": ("mkdocs.yml", "mkdocs.yaml", "properdocs.yml", "properdocs.yaml"),
}
INSTALL_HINT = (
    "install one: pip install 'runbookgen[mkdocs]' (or [properdocs], or [zensical] "
    "with 'runbookgen build --engine zensical')"
)


@dataclass(frozen=True)
class EngineChoice:
    """The engine to run and the configuration file it reads."""

    engine: str
    config_file: Path


def installed(engine: str) -> bool:
    """Whether the engine's package can be imported (without importing it)."""
    try:
        return find_spec(PACKAGES[engine]) is not None
    except (ImportError, ValueError):
        return False


def _is_properdocs_config(path: Path) -> bool:
    return path.name in ("properdocs.yml", "properdocs.yaml")


def _auto(config_file: Path | None) -> str:
    """MkDocs-family first (they run the plugin as configured), ProperDocs first for its own
    file name; Zensical only when neither is installed."""
    order = ["mkdocs", "properdocs", "zensical"]
    if config_file is not None and _is_properdocs_config(config_file):
        order = ["properdocs", "mkdocs", "zensical"]
    for engine in order:
        if installed(engine):
            return engine
    raise RunbookgenError(f"no site engine is installed; {INSTALL_HINT}")


def find_config(root: Path, engine: str | None = None) -> Path | None:
    """The configuration file in ``root`` that ``engine`` (or any engine) would read."""
    names = CONFIG_NAMES[engine] if engine else CONFIG_NAMES["properdocs"]
    for name in names:
        if (root / name).is_file():
            return root / name
    return None


def choose(root: Path, engine: str | None = None, config_file: Path | None = None) -> EngineChoice:
    """The engine (``None`` or ``"auto"``: whichever is installed) and its configuration file.

    Raises :class:`RunbookgenError` with what to install or create when there is none.
    """
    if engine in (None, "", "auto"):
        engine = _auto(config_file or find_config(root))
    if engine not in ENGINES:
        raise RunbookgenError(f"unknown engine '{engine}'; choose one of: auto, {', '.join(ENGINES)}")
    if not installed(engine):
        raise RunbookgenError(f"the {engine} engine is not installed: pip install 'runbookgen[{engine}]'")
    if config_file is None:
        config_file = find_config(root, engine)
    if config_file is None:
        names = "properdocs.yml or mkdocs.yml" if engine == "properdocs" else "mkdocs.yml"
        raise RunbookgenError(f"no {names} in {root}; run 'runbookgen init' to create one")
    return EngineChoice(engine, config_file)
