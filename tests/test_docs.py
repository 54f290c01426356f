"""
The user guide's reference pages agree with the code.

- docs/configuration.md: every field of the three config classes has a row (in a table marked
  ``<!-- fields: ClassName ... -->``) whose default cell is the field's default exactly as rendered here, and no
  row names a field the classes lack; config calls in the Python examples of README.md and docs/ use real fields.
- docs/troubleshooting.md: every exception class of ``delta_exchange._native`` and every risk rule of the native
  risk engine is named.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import pytest

from delta_exchange import _native
from delta_exchange.config import (
    DeltaExchangeDataClientConfig,
    DeltaExchangeExecClientConfig,
    DeltaInstrumentRiskLimits,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CONFIGURATION = DOCS / "configuration.md"
TROUBLESHOOTING = DOCS / "troubleshooting.md"
CONFIG_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (DeltaExchangeDataClientConfig, DeltaExchangeExecClientConfig, DeltaInstrumentRiskLimits)
}
_MARKER = re.compile(r"<!--\s*fields:\s*(?P<classes>[\w ]+?)\s*-->")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_PYTHON_BLOCK = re.compile(r"^```python\n(?P<code>.*?)^```", re.MULTILINE | re.DOTALL)


class Row(NamedTuple):
    """One row of a marked field table."""

    classes: tuple[str, ...]
    name: str
    type: str
    default: str
    line: int


def render_default(value: Any) -> str:
    """A field default as configuration.md writes it: a Python literal with double quotes; ``Cls()`` for structs."""
    if isinstance(value, msgspec.Struct) and value == type(value)():
        return f"{type(value).__name__}()"
    return repr(value).replace("'", '"')


def field_defaults(cls: type) -> dict[str, str]:
    """The rendered default of every field of a msgspec config class."""
    defaults = {}
    for field in msgspec.structs.fields(cls):
        if field.default is not msgspec.NODEFAULT:
            value = field.default
        elif field.default_factory is not msgspec.NODEFAULT:
            value = field.default_factory()
        else:
            value = msgspec.NODEFAULT
        defaults[field.name] = "required" if value is msgspec.NODEFAULT else render_default(value)
    return defaults


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in _CELL_SPLIT.split(line.strip().strip("|"))]


def _unquote(cell: str) -> str:
    return cell[1:-1] if len(cell) >= 2 and cell.startswith("`") and cell.endswith("`") else cell


def marked_rows(text: str) -> Iterator[Row]:
    """Every row of the tables that follow a ``<!-- fields: ... -->`` marker."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        marker = _MARKER.fullmatch(line.strip())
        if marker is None:
            continue
        classes = tuple(marker.group("classes").split())
        header = _cells(lines[index + 1])
        assert lines[index + 1].startswith("|"), f"line {index + 2}: a field table must follow the marker"
        assert {"field", "type", "default"} <= set(header), f"line {index + 2}: header {header}"
        column = {name: header.index(name) for name in ("field", "type", "default")}
        for number in range(index + 3, len(lines)):
            if not lines[number].startswith("|"):
                break
            cells = _cells(lines[number])
            assert len(cells) == len(header), f"line {number + 1}: {len(cells)} cells, header has {len(header)}"
            yield Row(
                classes,
                _unquote(cells[column["field"]]),
                cells[column["type"]],
                _unquote(cells[column["default"]]),
                number + 1,
            )


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    found = list(marked_rows(CONFIGURATION.read_text(encoding="utf-8")))
    assert found, "docs/configuration.md has no marked field tables"
    return found


def test_markers_name_the_config_classes(rows: list[Row]) -> None:
    named = {cls for row in rows for cls in row.classes}
    assert named == set(CONFIG_CLASSES), f"marked classes {sorted(named)}, expected {sorted(CONFIG_CLASSES)}"


@pytest.mark.parametrize(
    ("class_name", "field_name"),
    [(name, field.name) for name, cls in CONFIG_CLASSES.items() for field in msgspec.structs.fields(cls)],
)
def test_every_field_has_a_row_with_its_default(rows: list[Row], class_name: str, field_name: str) -> None:
    expected = field_defaults(CONFIG_CLASSES[class_name])[field_name]
    documented = [row for row in rows if class_name in row.classes and row.name == field_name]
    assert documented, f"docs/configuration.md has no row for {class_name}.{field_name} (default `{expected}`)"
    assert len(documented) == 1, f"{class_name}.{field_name} has rows on lines {[row.line for row in documented]}"
    row = documented[0]
    assert row.default == expected, (
        f"docs/configuration.md line {row.line}: {class_name}.{field_name} default `{row.default}`, "
        f"the code says `{expected}`"
    )
    assert row.type, f"docs/configuration.md line {row.line}: {field_name} has no type"


def test_no_row_names_a_missing_field(rows: list[Row]) -> None:
    missing = [
        f"line {row.line}: {cls}.{row.name}"
        for row in rows
        for cls in row.classes
        if cls not in CONFIG_CLASSES or row.name not in field_defaults(CONFIG_CLASSES[cls])
    ]
    assert not missing, f"docs/configuration.md documents fields that do not exist: {missing}"


def _python_blocks() -> Iterator[tuple[str, str]]:
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for block in _PYTHON_BLOCK.finditer(path.read_text(encoding="utf-8")):
            yield path.relative_to(ROOT).as_posix(), block.group("code")


def test_examples_configure_real_fields() -> None:
    """Every ``DeltaExchange...Config(...)`` / ``DeltaInstrumentRiskLimits(...)`` in the docs' examples."""
    problems = []
    calls = 0
    for where, code in _python_blocks():
        try:
            tree = ast.parse(code)
        except SyntaxError as e:
            problems.append(f"{where}: an example does not parse: {e}")
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in CONFIG_CLASSES:
                continue
            calls += 1
            fields = field_defaults(CONFIG_CLASSES[name])
            problems += [
                f"{where}: {name}({keyword.arg}=...) is not a field"
                for keyword in node.keywords
                if keyword.arg is not None and keyword.arg not in fields
            ]
    assert calls, "no config example found in README.md or docs/"
    assert not problems, "\n".join(problems)


def _native_exceptions() -> list[str]:
    return sorted(
        name
        for name, value in vars(_native).items()
        if isinstance(value, type) and issubclass(value, BaseException) and not name.startswith("_")
    )


def test_troubleshooting_names_every_native_exception() -> None:
    text = TROUBLESHOOTING.read_text(encoding="utf-8")
    exceptions = _native_exceptions()
    assert "DeltaError" in exceptions
    missing = [name for name in exceptions if f"`{name}`" not in text]
    assert not missing, f"docs/troubleshooting.md does not name {missing}"


def test_troubleshooting_names_every_risk_rule() -> None:
    rules = sorted(_native.RiskEngine().stats()["rejected"])
    assert "max_order_size" in rules
    text = TROUBLESHOOTING.read_text(encoding="utf-8")
    first_cells = {_unquote(_cells(line)[0]) for line in text.splitlines() if line.startswith("|")}
    missing = [rule for rule in rules if rule not in first_cells]
    assert not missing, f"docs/troubleshooting.md has no table row for the risk rule(s) {missing}"


_LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")
_CODE_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown file."""
    text = _CODE_FENCE.sub("", path.read_text(encoding="utf-8"))
    anchors = set()
    for line in text.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


def test_links_between_pages_resolve() -> None:
    """Relative links of README.md and docs/*.md name existing files and headings."""
    broken = []
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = _CODE_FENCE.sub("", path.read_text(encoding="utf-8"))
        for link in _LINK.finditer(text):
            target = link.group("target")
            if re.match(r"[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            resolved = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(ROOT).as_posix()}: {target}"
            if not resolved.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
                broken.append(f"{where} (no such heading)")
    assert not broken, "\n".join(broken)
