"""Reading a recipe: YAML within bounds, validation with errors in the recipe's words
(``my.yaml: patches.size: must be a multiple of 8, got 100 ...``), and the JSON Schema that
``sketchdata schema`` writes so editors can check and complete recipe YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sketchdata.fields import FieldProblem, RecipeError
from sketchdata.recipe.model import Recipe, kind_of, recipe_model
from sketchdata.sources import KINDS


def _field_path(loc: tuple) -> str:
    """("sources", 0, "kind") -> "sources[0].kind"; pydantic's names of union branches (a source's
    kind, "function-...") are left out."""
    text = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            text += f"[{part}]"
        elif i >= 2 and loc[0] == "sources" and i == 2 and part in KINDS:
            continue  # the tag of the kind's branch: sources[0].lineart.paths -> sources[0].paths
        elif not str(part).startswith(("function-", "tagged-union", "bool", "tuple[", "CleanupSpec", "EffectSpec")):
            text += f".{part}" if text else str(part)
    return text


def _message(error: dict, loc: tuple) -> tuple[str, str]:
    """(field path, message) of one pydantic error, in the recipe's words."""
    path = _field_path(loc)
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, FieldProblem):
        return ".".join(p for p in (path, cause.field) if p).replace(".[", "["), str(cause)
    if cause is not None:
        return path, str(cause)
    kind = error["type"]
    if kind in ("union_tag_invalid", "union_tag_not_found") and path.startswith("sources["):
        given = (error.get("input") or {}).get("kind") if isinstance(error.get("input"), dict) else None
        if given is None:
            return f"{path}.kind", f"required field is missing (one of {', '.join(KINDS)})"
        return f"{path}.kind", f"must be one of {', '.join(KINDS)}, got {given!r}"
    if kind == "extra_forbidden":
        return path, "unknown field"
    if kind == "missing":
        return path, "required field is missing"
    value = error.get("input")
    return path, f"{error['msg'][0].lower()}{error['msg'][1:]}, got {value!r}"


def _first_error(exc: ValidationError) -> tuple[str, str]:
    """The most telling error: a union's several branch errors are reported as one."""
    errors = exc.errors()
    # the deepest location is the branch of a union that matched the value's shape (a mapping
    # for target_cleanup names at_load, not "expected a boolean"); ours say the most
    ours = lambda e: isinstance((e.get("ctx") or {}).get("error"), ValueError)  # noqa: E731
    best = max(errors, key=lambda e: (len(_field_path(e["loc"])), ours(e)))
    return _message(best, best["loc"])


def parse_recipe(raw: Any, file: str | Path = "<recipe>", base_dir: str | Path | None = None) -> Recipe:
    """Validate a recipe given as plain data (from YAML) and return a Recipe."""
    if not isinstance(raw, dict):
        raise RecipeError(file, "(top)", f"expected a mapping of recipe fields, got {type(raw).__name__}")
    if not isinstance(raw.get("sources"), list) or not raw["sources"]:
        raise RecipeError(file, "sources", "expected a non-empty list of sources")
    stem = Path(str(file)).stem
    data = {**raw, "name": raw.get("name", stem),
            "output": {"dir": f"datasets/{stem}", **(raw.get("output") or {})},
            "base_dir": str(Path(base_dir) if base_dir is not None else Path(str(file)).resolve().parent),
            "file": str(file)}
    try:
        return recipe_model().model_validate(data)
    except ValidationError as exc:
        field, message = _first_error(exc)
        if message == "unknown field":
            message = f"unknown field (allowed: {', '.join(_allowed_fields(field, data))})"
        raise RecipeError(file, field, message) from None


def _allowed_fields(field: str, data: dict) -> list[str]:
    """The field names allowed beside an unknown ``field`` (for the error message); in a source,
    its kind's fields."""
    model: type[BaseModel] = Recipe
    if field.startswith("sources[") and field.count(".") == 1:
        index = int(field[len("sources["):field.index("]")])
        kind = KINDS.get(kind_of(data["sources"][index]) or "")
        if kind is not None:
            return sorted(kind.spec.model_fields)
    parts = [p for p in field.replace("[", ".[").split(".") if p and not p.startswith("[")][:-1]
    for part in parts:
        annotation = model.model_fields[part].annotation
        found = _model_in(annotation)
        if found is None:
            break
        model = found
    hidden = {"base_dir", "file"}
    return sorted(name for name in model.model_fields if name not in hidden)


def _model_in(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def recipe_schema() -> dict:
    """The JSON Schema of recipe files (``sketchdata schema``)."""
    schema = recipe_model().model_json_schema(mode="validation")
    # the kinds as one enum beside the union of their specs: editors complete `kind:`, and a
    # checker says "'photo' is not one of [...]" rather than "not valid under any schema"
    items = schema["properties"]["sources"]["items"]
    schema["properties"]["sources"]["items"] = {"type": "object", "required": ["kind"],
                                                "properties": {"kind": {"enum": list(KINDS)}}, **items}
    schema["title"] = "sketchdata recipe"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


MAX_RECIPE_BYTES = 1_000_000  # recipes are a few kB; a larger file is a mistake (or an attack)
MAX_RECIPE_VALUES = 100_000  # values after YAML aliases are expanded (an alias bomb expands to billions)


def _values_within(raw: Any, budget: int) -> bool:
    """Whether the loaded YAML holds at most ``budget`` values counting every alias use (stops
    counting at the budget, so a bomb is refused quickly)."""
    left = budget
    stack = [raw]
    while stack:
        value = stack.pop()
        left -= 1
        if left < 0:
            return False
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return True


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + " ..."


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate a recipe YAML file (at most 1 MB and 100,000 values, aliases expanded)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_RECIPE_BYTES:
            raise RecipeError(path, "(file)", f"{size / 1e6:.1f} MB is above the {MAX_RECIPE_BYTES / 1e6:.0f} MB limit "
                                              "for recipe files (recipes are a few kB)")
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise RecipeError(path, "(file)", "recipe file not found") from None
    except yaml.YAMLError as exc:
        raise RecipeError(path, "(syntax)", _short(f"not valid YAML: {exc}")) from None
    if not _values_within(raw, MAX_RECIPE_VALUES):
        raise RecipeError(path, "(syntax)", f"YAML aliases expand to over {MAX_RECIPE_VALUES:,} values; a recipe "
                                            "holds a few hundred (an alias bomb?)")
    return parse_recipe(raw, path, path.resolve().parent)
