"""The public API is documented, and the config mixin's type declarations follow the shared fields."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from types import ModuleType

import pytest

import delta_exchange
from delta_exchange import config

PUBLIC_MODULES = (
    "delta_exchange",
    "delta_exchange.config",
    "delta_exchange.factories",
    "delta_exchange.providers",
    "delta_exchange.data",
    "delta_exchange.execution",
    "delta_exchange.catalog",
    "delta_exchange.recording",
    "delta_exchange.sim",
    "delta_exchange.events",
)


def _public_names(module: ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name, value in vars(module).items() if getattr(value, "__module__", None) == module.__name__]
    return [name for name in names if not name.startswith("_")]


def _undocumented(module: ModuleType) -> list[str]:
    missing = []
    for name in _public_names(module):
        value = getattr(module, name)
        if not (inspect.isclass(value) or inspect.isroutine(value)):
            continue
        if not inspect.getdoc(value):
            missing.append(f"{module.__name__}.{name}")
        if not inspect.isclass(value):
            continue
        for attribute, member in vars(value).items():
            if attribute.startswith("_"):
                continue
            function = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
            if inspect.isroutine(function) and not (function.__doc__ or "").strip():
                missing.append(f"{module.__name__}.{name}.{attribute}")
    return missing


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_public_classes_functions_and_methods_have_docstrings(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert inspect.getdoc(module), f"{module_name} has no module docstring"
    assert _undocumented(module) == []


def test_every_name_in_all_exists() -> None:
    missing = [name for name in delta_exchange.__all__ if not hasattr(delta_exchange, name)]
    assert missing == []


def test_the_mixin_declares_every_common_field_for_the_type_checker() -> None:
    # The configs' shared fields come from msgspec.defstruct, which mypy cannot see: the mixin re-declares them
    # under `if TYPE_CHECKING:`. A shared field added without its declaration would be unchecked.
    tree = ast.parse(Path(config.__file__).read_text())
    mixin = next(
        node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "_DeltaClientConfigMixin"
    )
    block = next(
        node
        for node in mixin.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    )
    declared = {
        node.target.id
        for node in block.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and not node.target.id.startswith("_")
    }
    assert declared == {field.name for field in config._COMMON_FIELDS}
