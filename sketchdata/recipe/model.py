"""Recipes: the YAML description of a dataset, as pydantic models, validated completely when loaded.

A bad recipe fails before any work, with the file, the field path and the offending value in
the message (``my.yaml: patches.size: must be a multiple of 8, got 100 ...``). Each default is
declared once, on its model's field; ``sketchdata schema`` writes the JSON Schema of these
models so editors can check and complete recipe YAML. Relative paths inside a recipe are
resolved against the recipe's own folder, so a recipe works from any current directory. See
README "Recipes" for every field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Union

import yaml
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)
from pydantic.json_schema import SkipJsonSchema

from sketchdata.image.binarize import BINARIZE_METHODS
from sketchdata.effects import DEFAULT_EFFECTS, EFFECTS

SVG_WIDTHS = ("file", "recipe")
PROCEDURAL_STYLES = ("shapes", "figure")
UNPAIRED_ROLES = ("rough", "line")
PATCH_MODES = ("patches", "whole")
DEVICES = ("auto", "cpu", "cuda")
TEACHER_INPUTS = ("binarized", "raw")


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


def _kind(name: str):
    from sketchdata.sources.kinds import get_kind  # the registry imports this module's types

    return get_kind(name)


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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, validate_default=False)


class BinarizeSpec(_Model):
    """Binarisation of an image: the method and its parameters."""

    method: Choice(BINARIZE_METHODS) = "none"
    threshold: Num(ge=0, le=255) = 70.0  # 0-255 scale, for "global"
    window: Num(ge=3, le=1001, whole=True) = 25  # for "sauvola" / "adaptive"
    k: Num(ge=0, le=1) = 0.2


class EffectSpec(_Model):
    """One effect of the synthesis: applied with probability ``p`` at a strength drawn from
    [low, high]; the effects pipeline gets it as a plain dict (``plain``)."""

    name: Choice(tuple(EFFECTS))
    p: Num(ge=0, le=1) = 1.0
    strength: Range(0, 1) = (0.3, 0.7)

    def plain(self) -> dict:
        return {"name": self.name, "p": float(self.p), "strength": [float(v) for v in self.strength]}


def _source_paths(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _kind_enum(schema: dict, cls) -> None:
    from sketchdata.sources.kinds import KINDS

    schema["properties"]["kind"]["enum"] = list(KINDS)


class SourceSpec(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_kind_enum)

    kind: str  # a registered source kind (sketchdata.sources.kinds)
    name: str = ""  # default: KIND + its index
    paths: Annotated[tuple[str, ...], BeforeValidator(_source_paths)] = ()  # files, folders, globs, .txt lists
    rough: Text | None = None  # pairs: folder of rough images, matched to `clean` by file stem
    clean: Text | None = None
    csv: Text | None = None  # pairs: CSV with columns rough,clean (the authors' trainer format)
    npz_split: Text = "train"  # strokes: which array of the .npz
    size: Num(ge=16, le=8192, whole=True) = 512  # strokes / svg / procedural: canvas side
    count: Num(ge=0, whole=True) = 0  # procedural: how many drawings to generate
    style: Choice(PROCEDURAL_STYLES) = "shapes"  # procedural: "shapes" or "figure"
    line_width: Range(0.1, 64) = (1.5, 3.0)  # strokes and procedural figures: pen width range in pixels
    limit: Num(ge=1, whole=True) | None = None  # strokes: at most this many drawings per file
    redraw: bool = True  # strokes / svg / figures: the rough input is redrawn from the drawing's strokes
    widths: Choice(SVG_WIDTHS) = "file"  # svg: widths from the file, or from line_width
    # effects on the input: None = the recipe's list for kinds whose effects apply by default;
    # true/false = the recipe's list or none; a list = this source's own effects
    effects: Union[bool, tuple[EffectSpec, ...], None] = None
    teacher: bool | None = None  # make the target with the recipe's teacher (default: by kind, raw yes)
    # "rough": rough sketches with no clean version (a user's scans); "line": clean line
    # drawings with no rough version. Both build into their own shard sets, untouched by
    # effects and teachers, for adversarial training (sketchtrain fit --adversarial)
    unpaired: Choice(UNPAIRED_ROLES) | None = None

    @field_validator("kind")
    @classmethod
    def _registered(cls, kind: str) -> str:
        from sketchdata.sources.kinds import KINDS

        if kind not in KINDS:
            raise ValueError(f"must be one of {', '.join(KINDS)}, got {kind!r}")
        return kind

    @field_validator("name")
    @classmethod
    def _key_safe(cls, name: str) -> str:
        if name and not name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"use letters, digits, - and _ only, got {name!r}")
        return name

    @model_validator(mode="after")
    def _kind_fields(self):
        kind = _kind(self.kind)
        if kind.check:
            kind.check(_KindChecker(), {**self.model_dump(), "kind": self.kind}, "")
        if self.unpaired and self.unpaired not in kind.unpaired:
            from sketchdata.sources.kinds import KINDS

            able = [name for name, k in KINDS.items() if self.unpaired in k.unpaired]
            raise FieldProblem("unpaired", f"unpaired {self.unpaired} sources are of kind {' or '.join(able)}, "
                                           f"not {self.kind}")
        return self

    def effect_specs(self, recipe_effects: tuple) -> tuple[dict, ...]:
        """The effects this source's inputs get, as plain ``{name, p, strength}`` dicts."""
        if self.unpaired:
            return ()
        if isinstance(self.effects, tuple):
            chosen = self.effects
        else:
            on = self.effects if self.effects is not None else _kind(self.kind).effects_by_default
            chosen = recipe_effects if on else ()
        return tuple(e.plain() if isinstance(e, EffectSpec) else dict(e) for e in chosen)

    @property
    def uses_teacher(self) -> bool:
        if self.unpaired:
            return False
        return self.teacher if self.teacher is not None else _kind(self.kind).teacher_by_default

    @property
    def split(self) -> str | None:
        """The shard set of an unpaired source (None: paired, split into train / validation)."""
        return {"rough": "unpaired_rough", "line": "unpaired_line"}.get(self.unpaired or "")

    def plain(self) -> dict:
        data = self.model_dump()
        if isinstance(self.effects, tuple):
            data["effects"] = tuple(e.plain() for e in self.effects)
        return data


class _KindChecker:
    """What a source kind's ``check`` calls: ``fail(path, message)`` at a field of the source."""

    def fail(self, path: str, message: str):
        raise FieldProblem(path.lstrip("."), message)


def _binarize_spec(value):
    return BinarizeSpec(method=value) if isinstance(value, str) else value


# a method name, or a mapping with the method's parameters
Binarize = Annotated[Union[BinarizeSpec, Choice(BINARIZE_METHODS)], AfterValidator(_binarize_spec)]


class CleanupSpec(_Model):
    at_load: Num(ge=0, le=1) = 0.9
    after_augment: Num(ge=0, le=1) = 0.6


class Preprocess(_Model):
    input_binarize: Binarize = BinarizeSpec()
    target_binarize: Binarize = BinarizeSpec()
    # the authors' clean-up of targets (pixels below a level become black): true/false, or the
    # two levels (on loading, after patch interpolation)
    target_cleanup: Union[bool, CleanupSpec] = True
    max_pixels: Num(ge=1, whole=True) = 120_000_000

    @property
    def cleanup_levels(self) -> CleanupSpec:
        return self.target_cleanup if isinstance(self.target_cleanup, CleanupSpec) else CleanupSpec()

    @property
    def cleanup_at_load(self) -> float:
        return self.cleanup_levels.at_load

    @property
    def cleanup_after_augment(self) -> float:
        return self.cleanup_levels.after_augment

    def plain(self) -> dict:
        return {"input_binarize": self.input_binarize.model_dump(), "target_binarize": self.target_binarize.model_dump(),
                "target_cleanup": self.target_cleanup is not False, "cleanup_at_load": self.cleanup_at_load,
                "cleanup_after_augment": self.cleanup_after_augment, "max_pixels": self.max_pixels}


class Geometry(_Model):
    # downscale factors (authors: 1.5, 1.75, ..., 3.5; below 1 enlarges)
    scales: Annotated[tuple[Num(ge=0.05, le=64), ...], Field(min_length=1)] = (1.0,)
    rotation: Num(ge=0, le=180) = 0.0  # max |angle| in degrees (authors: 180)
    hflip: bool = False
    vflip: bool = False


class Patches(_Model):
    mode: Choice(PATCH_MODES) = "patches"  # whole: images padded to a multiple of 8
    size: Num(ge=16, le=4096, whole=True) = 424
    per_image: Num(ge=1, whole=True) | None = None
    per_megapixel: Num(gt=0) | None = None  # default 8 when per_image is not given
    reject_blank: Num(ge=0, le=1) = 0.99  # reject a patch whose target mean is >= this
    max_tries: Num(ge=1, whole=True) = 20

    @model_validator(mode="after")
    def _one_count(self):
        if self.per_image is not None and self.per_megapixel is not None:
            raise ValueError("give either per_image or per_megapixel, not both")
        if self.per_image is None and self.per_megapixel is None:
            object.__setattr__(self, "per_megapixel", 8.0)  # the authors' sampling: patches by area
        if self.mode == "patches" and self.size % 8:
            raise FieldProblem("size", f"must be a multiple of 8, got {self.size} (a recipe does not know the network: `sketchtrain fit --crop` checks the chosen architecture's stride)")
        return self


class Teacher(_Model):
    """A model that makes targets (the seed used the authors' model this way)."""

    model: Text
    # released weights' normalisation: gan, mse, pencil1, pencil2 or "MEAN,STD"
    constants: Annotated[str, BeforeValidator(lambda v: v if v is None else str(v))] | None = None
    scale: Num(ge=0.05, le=4) = 1.0
    device: Choice(DEVICES) = "auto"
    input: Choice(TEACHER_INPUTS) = "binarized"  # what the teacher sees


class Splits(_Model):
    validation: Num(ge=0, le=0.9) = 0.1  # share of drawings (never patches)


class Output(_Model):
    dir: Text | None = None  # default: datasets/RECIPE-FILE-STEM
    shard_samples: Num(ge=1, whole=True) = 500


class Recipe(_Model):
    name: Text | None = None  # default: the recipe file's stem
    seed: Num(ge=0, whole=True) = 0
    sources: Annotated[tuple[SourceSpec, ...], Field(min_length=1)]
    preprocess: Preprocess = Preprocess()
    geometry: Geometry = Geometry()
    patches: Patches = Patches()
    effects: tuple[EffectSpec, ...] = tuple(EffectSpec(**e) for e in DEFAULT_EFFECTS)
    splits: Splits = Splits()
    output: Output = Output()
    teacher: Teacher | None = None
    # where the recipe came from (set by the loader, not written in YAML)
    base_dir: SkipJsonSchema[str] = Field(".", exclude=True)
    file: SkipJsonSchema[str] = Field("<recipe>", exclude=True)

    @field_validator("sources", mode="before")
    @classmethod
    def _named(cls, sources):
        """Each source gets a default name (its kind and index)."""
        if isinstance(sources, list):
            return [{**s, "name": s.get("name") or f"{s.get('kind')}{i}"} if isinstance(s, dict) else s
                    for i, s in enumerate(sources)]
        return sources

    @model_validator(mode="after")
    def _consistent(self):
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            raise FieldProblem("sources", f"source names must be unique, got {names}")
        for i, spec in enumerate(self.sources):
            if spec.uses_teacher and self.teacher is None:
                raise FieldProblem(f"sources[{i}]", f"source {spec.name!r} makes its targets with a teacher: add a "
                                                    "top-level `teacher: {model: PATH}` (e.g. the authors' model_gan.pth)")
            if _kind(spec.kind).teacher_by_default and not spec.uses_teacher:
                raise FieldProblem(f"sources[{i}].teacher", f"a {spec.kind} source has no target without the teacher")
        return self

    @property
    def validation(self) -> float:
        return self.splits.validation

    def resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else Path(self.base_dir) / p

    def to_dict(self) -> dict:
        """The resolved recipe as plain data (stored in the dataset manifest; its fingerprint)."""
        return {"name": self.name, "sources": tuple(s.plain() for s in self.sources), "seed": self.seed,
                "preprocess": self.preprocess.plain(), "geometry": self.geometry.model_dump(),
                "patches": self.patches.model_dump(), "effects": tuple(e.plain() for e in self.effects),
                "validation": self.validation, "output": self.output.model_dump(),
                "teacher": None if self.teacher is None else self.teacher.model_dump(),
                "base_dir": self.base_dir, "file": self.file}


def _field_path(loc: tuple) -> str:
    """("sources", 0, "kind") -> "sources[0].kind"."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
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
        return Recipe.model_validate(data)
    except ValidationError as exc:
        field, message = _first_error(exc)
        if message == "unknown field":
            message = f"unknown field (allowed: {', '.join(_allowed_fields(field))})"
        raise RecipeError(file, field, message) from None


def _allowed_fields(field: str) -> list[str]:
    """The field names allowed beside an unknown ``field`` (for the error message)."""
    model: type[BaseModel] = Recipe
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
    schema = Recipe.model_json_schema(mode="validation")
    schema["title"] = "sketchdata recipe"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


# what one build takes: beyond this, split the data into several recipes (or build parts)
MAX_PLAN_SAMPLES = 10_000_000
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
