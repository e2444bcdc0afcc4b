"""The layers of both packages, as the README's architecture section draws them: a module
imports only modules of its own layer or below, no two modules import each other (directly or
round a longer circle), and sketchdata never imports sketchtrain. Read from the source (every
import, also those inside functions), so a new module that breaks the order fails here."""

import ast
import functools

import pytest

from conftest import ROOT

# lowest first; a package's folders (and top-level modules) by the first name under the package
LAYERS = {
    "sketchdata": [["", "_exports", "files"], ["image"], ["drawing"], ["effects"], ["fields"], ["sources"],
                   ["recipe"], ["shards"], ["preview", "starter", "console"], ["cli"]],
    "sketchtrain": [["", "errors", "devices"], ["models"], ["inference"], ["training", "evaluation"], ["release"],
                    ["app"], ["console", "cli_options"], ["cli", "__main__"]],
}


@functools.lru_cache(maxsize=1)  # read the source once for every test here
def _modules() -> dict[str, frozenset[str]]:
    """module -> the project modules it imports."""
    graph = {}
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            imported = set()
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in LAYERS:
                    imported.add(node.module)
                elif isinstance(node, ast.Import):
                    imported |= {a.name for a in node.names if a.name.split(".")[0] in LAYERS}
            graph[name] = frozenset(imported)
    return graph


def _layer(module: str) -> tuple[str, int]:
    package, _, rest = module.partition(".")
    first = rest.split(".")[0]
    for index, names in enumerate(LAYERS[package]):
        if first in names:
            return package, index
    raise AssertionError(f"{module}: not in a layer of tests/test_layers.py (add its folder to LAYERS and to the "
                         "README's architecture picture)")


def test_every_import_goes_down_or_sideways():
    wrong = []
    for module, imported in _modules().items():
        package, level = _layer(module)
        for target in imported:
            target_package, target_level = _layer(target)
            if target_package != package:
                if package == "sketchdata":
                    wrong.append(f"{module} imports {target}: sketchdata never imports sketchtrain")
                continue
            if target_level > level:
                wrong.append(f"{module} (layer {level}) imports {target} (layer {target_level})")
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_itself_round_a_circle():
    modules = _modules()
    graph = {module: sorted(t for t in imported if t in modules and t != module) for module, imported in modules.items()}
    done: set[str] = set()

    def circle_from(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        for nxt in graph[node]:
            found = circle_from(nxt, path + [node])
            if found:
                return found
        done.add(node)
        return None

    for module in sorted(graph):
        found = circle_from(module, [])
        assert found is None, " -> ".join(found)


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_the_readme_draws_every_layer(package):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Architecture"):]
    section = section[:section.index("\n## ", 5)]
    for names in LAYERS[package]:
        for name in names:
            if name and not name.startswith("_") and name != "__main__":
                assert f"{name}" in section, f"README's architecture section does not name {package}/{name}"
