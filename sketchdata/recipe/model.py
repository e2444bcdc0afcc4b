"""Recipes: the YAML description of a dataset, as pydantic models, validated completely when loaded.

Each default is declared once, on its model's field; every source kind brings its own fields
(sketchdata.sources.kinds), joined here into one union keyed by ``kind``. Relative paths inside a
recipe are resolved against the recipe's own folder, so a recipe works from any current
directory. Reading YAML, errors and the JSON Schema: sketchdata.recipe.loading. See README
"Recipes" for every field.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import AfterValidator, BeforeValidator, Discriminator, Field, Tag, create_model, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from sketchdata.effects import DEFAULT_EFFECTS
from sketchdata.fields import (BinarizeSpec, Choice, EffectSpec, FieldProblem, Num, SpecModel, Text)
from sketchdata.image.binarize import BINARIZE_METHODS
from sketchdata.sources import KINDS, SourceSpec, get_kind
from sketchdata.sources.legacy import legacy_source_fields

PATCH_MODES = ("patches", "whole")
DEVICES = ("auto", "cpu", "cuda")
TEACHER_INPUTS = ("binarized", "raw")


def _binarize_spec(value):
    return BinarizeSpec(method=value) if isinstance(value, str) else value


# a method name, or a mapping with the method's parameters
Binarize = Annotated[Union[BinarizeSpec, Choice(BINARIZE_METHODS)], AfterValidator(_binarize_spec)]


class CleanupSpec(SpecModel):
    at_load: Num(ge=0, le=1) = 0.9
    after_augment: Num(ge=0, le=1) = 0.6


class Preprocess(SpecModel):
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


class Geometry(SpecModel):
    # downscale factors (authors: 1.5, 1.75, ..., 3.5; below 1 enlarges)
    scales: Annotated[tuple[Num(ge=0.05, le=64), ...], Field(min_length=1)] = (1.0,)
    rotation: Num(ge=0, le=180) = 0.0  # max |angle| in degrees (authors: 180)
    hflip: bool = False
    vflip: bool = False


class Patches(SpecModel):
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


class Teacher(SpecModel):
    """A model that makes targets (the seed used the authors' model this way)."""

    model: Text
    # released weights' normalisation: gan, mse, pencil1, pencil2 or "MEAN,STD"
    constants: Annotated[str, BeforeValidator(lambda v: v if v is None else str(v))] | None = None
    scale: Num(ge=0.05, le=4) = 1.0
    device: Choice(DEVICES) = "auto"
    input: Choice(TEACHER_INPUTS) = "binarized"  # what the teacher sees


class Splits(SpecModel):
    validation: Num(ge=0, le=0.9) = 0.1  # share of drawings (never patches)


class Output(SpecModel):
    dir: Text | None = None  # default: datasets/RECIPE-FILE-STEM
    shard_samples: Num(ge=1, whole=True) = 500


class Recipe(SpecModel):
    """A recipe. Validate through :func:`recipe_model` (what ``parse_recipe`` does): its
    ``sources`` are each of their own kind's spec, a union of the kinds registered then."""

    name: Text | None = None  # default: the recipe file's stem
    seed: Num(ge=0, whole=True) = 0
    sources: Annotated[tuple[SourceSpec, ...], Field(min_length=1)]  # recipe_model: each of its kind's spec
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
            if get_kind(spec.kind).teacher_by_default and not spec.uses_teacher:
                raise FieldProblem(f"sources[{i}].teacher", f"a {spec.kind} source has no target without the teacher")
        self._check_texture_folders()
        return self

    def _check_texture_folders(self) -> None:
        """Every effect's texture folder holds images (checked when read, before any work)."""
        from sketchdata.image.io import list_images

        lists = [("effects", self.effects)] + [(f"sources[{i}].effects", s.effects) for i, s in enumerate(self.sources)
                                                if isinstance(s.effects, tuple)]
        for where, effects in lists:
            for j, effect in enumerate(effects):
                if effect.textures is not None:
                    folder = self.resolve(effect.textures)
                    if not folder.is_dir() or not list_images(folder):
                        raise FieldProblem(f"{where}[{j}].textures", f"no image files in {folder} (paper scans for "
                                                                       "the grain; relative to the recipe's folder)")

    def resolved_effects(self, specs: tuple[dict, ...]) -> list[dict]:
        """Effect dicts with their texture folders made absolute (against the recipe's folder)."""
        return [{**e, "textures": str(self.resolve(e["textures"]))} if e.get("textures") else dict(e) for e in specs]

    @property
    def validation(self) -> float:
        return self.splits.validation

    def resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else Path(self.base_dir) / p

    def to_dict(self) -> dict:
        """The resolved recipe as plain data (stored in the dataset manifest; its fingerprint)."""
        return {"name": self.name, "sources": tuple(legacy_source_fields(s.plain()) for s in self.sources), "seed": self.seed,
                "preprocess": self.preprocess.plain(), "geometry": self.geometry.model_dump(),
                "patches": self.patches.model_dump(), "effects": tuple(e.plain() for e in self.effects),
                "validation": self.validation, "output": self.output.model_dump(),
                "teacher": None if self.teacher is None else self.teacher.model_dump(),
                "base_dir": self.base_dir, "file": self.file}


def kind_of(value: Any) -> str | None:
    return value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)


def source_union():
    """Every registered kind's spec, one union keyed by ``kind`` (a spec serving several kinds,
    as lineart and raw, appears once per kind)."""
    members = tuple(Annotated[kind.spec, Tag(name)] for name, kind in KINDS.items())
    return Annotated[Union[members], Discriminator(kind_of)]


_MODELS: dict[tuple, type[Recipe]] = {}


def recipe_model() -> type[Recipe]:
    """The Recipe model for the source kinds registered now: a subclass of :class:`Recipe` whose
    ``sources`` are the union of their specs (made once per set of kinds)."""
    kinds = tuple((name, kind.spec) for name, kind in KINDS.items())
    if kinds not in _MODELS:
        sources = Annotated[tuple[source_union(), ...], Field(min_length=1)]
        # a module-level name of its own, so recipes pickle to build workers (which import this
        # module, building the same class for the same kinds)
        key = ",".join(f"{name}:{spec.__module__}.{spec.__qualname__}" for name, spec in kinds)
        name = f"Recipe_{hashlib.sha1(key.encode()).hexdigest()[:10]}"
        model = create_model(name, __base__=Recipe, __module__=__name__, sources=(sources, ...))
        globals()[name] = _MODELS[kinds] = model
    return _MODELS[kinds]


recipe_model()  # the kinds that ship are registered: their model exists from import on
