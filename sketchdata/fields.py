"""Validated field types and the errors that name a field: the vocabulary of recipes and of
every source kind's own fields (pydantic). A bad value fails when the recipe is read, with the
file, the field path and the value (``my.yaml: patches.size: must be a multiple of 8, got 100``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sketchdata.effects import EFFECTS
from sketchdata.image.binarize import BINARIZE_METHODS


class RecipeError(ValueError):
    """A recipe problem: ``file: field: message``."""

    def __init__(self, file: str | Path, field_path: str, message: str):
        self.file, self.field_path = str(file), field_path
        super().__init__(f"{file}: {field_path}: {message}")


class FieldProblem(ValueError):
    """Raised inside a validator for a problem at a sub-field (``field``, relative to the model)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def Choice(options):  # noqa: N802  (a type)
    """A string from ``options`` (listed as an enum in the schema)."""
    def check(value):
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}, got {value!r}")
        return value
    return Annotated[str, Field(json_schema_extra={"enum": list(options)}), AfterValidator(check)]


def _pair(value: Any) -> Any:
    """A number means [number, number]."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [value, value]
    return value


def _ordered(value: tuple[float, float]) -> tuple[float, float]:
    if value[0] > value[1]:
        raise ValueError(f"low > high in {list(value)!r}")
    return value


def Range(lo: float, hi: float):  # noqa: N802  (a type)
    """A number or [low, high] with lo <= low <= high <= hi."""
    bounded = Num(lo, hi)
    return Annotated[tuple[bounded, bounded], BeforeValidator(_pair), AfterValidator(_ordered)]


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    return value


def Num(ge: float | None = None, le: float | None = None, gt: float | None = None, whole: bool = False):  # noqa: N802
    """A number (never a boolean) within bounds; ``whole``: an integer."""
    return Annotated[int if whole else float, Field(ge=ge, le=le, gt=gt), BeforeValidator(_not_bool)]


Text = Annotated[str, Field(min_length=1)]


class SpecModel(BaseModel):
    """A recipe section: unknown fields refused, values frozen once read."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, validate_default=False)


class BinarizeSpec(SpecModel):
    """Binarisation of an image: the method and its parameters."""

    method: Choice(BINARIZE_METHODS) = "none"
    threshold: Num(ge=0, le=255) = 70.0  # 0-255 scale, for "global"
    window: Num(ge=3, le=1001, whole=True) = 25  # for "sauvola" / "adaptive"
    k: Num(ge=0, le=1) = 0.2


class EffectSpec(SpecModel):
    """One effect of the synthesis: applied with probability ``p`` at a strength drawn from
    [low, high]; the effects pipeline gets it as a plain dict (``plain``)."""

    name: Choice(tuple(EFFECTS))
    p: Num(ge=0, le=1) = 1.0
    strength: Range(0, 1) = (0.3, 0.7)
    # paper: a folder of real paper scans for the grain (relative to the recipe's folder)
    textures: Text | None = None

    @model_validator(mode="after")
    def _options_of_the_effect(self):
        for option in ("textures",):
            if getattr(self, option) is not None and option not in EFFECTS[self.name].options:
                able = [name for name, cls in EFFECTS.items() if option in cls.options]
                raise FieldProblem(option, f"only the {' and '.join(able)} effect takes {option}, not {self.name}")
        return self

    def plain(self) -> dict:
        data = {"name": self.name, "p": float(self.p), "strength": [float(v) for v in self.strength]}
        if self.textures is not None:  # only when given: recipes without it keep their fingerprints
            data["textures"] = self.textures
        return data


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


# files, folders, globs or .txt lists; one string means a list of one
Paths = Annotated[tuple[str, ...], BeforeValidator(_as_list)]
