"""The wheel ships every package: pyproject lists them by hand (migrations/ is mapped in)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_under_src_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    src = ROOT / "src"
    on_disk = {
        ".".join(init.parent.relative_to(src).parts)
        for init in src.rglob("__init__.py") if "__pycache__" not in init.parts
    }
    missing = sorted(on_disk - listed)
    # An installed doctorbook (not an editable one) would fail to import these.
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_every_data_file_is_shipped() -> None:
    """Templates, styles, word lists: each matched by a package-data pattern of its package."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns: dict[str, list[str]] = config["tool"]["setuptools"]["package-data"]
    src = ROOT / "src" / "doctorbook"
    unshipped = []
    for path in src.rglob("*"):
        if path.is_dir() or path.suffix in {".py", ".pyc"} or "__pycache__" in path.parts:
            continue
        shipped = False
        for package, globs in patterns.items():
            base = src.joinpath(*package.split(".")[1:])
            if base in path.parents:
                relative = path.relative_to(base)
                shipped |= any(relative.match(g) and len(relative.parts) == len(Path(g).parts)
                               for g in globs)
        if not shipped:
            unshipped.append(str(path.relative_to(src)))
    assert not unshipped, f"add to [tool.setuptools.package-data]: {sorted(unshipped)}"
