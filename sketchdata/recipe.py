"""Recipes: the YAML description of a dataset, validated completely when loaded.

A bad recipe fails before any work, with the file, the field path and the offending value in
the message. Relative paths inside a recipe are resolved against the recipe's own folder, so
a recipe works from any current directory. See README "Recipes" for every field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .binarize import BINARIZE_METHODS
from .effects import DEFAULT_EFFECTS, EFFECTS

SVG_WIDTHS = ("file", "recipe")
UNPAIRED_ROLES = ("rough", "line")


def _kind(name: str):
    from .source_kinds import get_kind  # the registry imports this module's types

    return get_kind(name)
PROCEDURAL_STYLES = ("shapes", "figure")


class RecipeError(ValueError):
    """A recipe problem: ``file: field: message``."""

    def __init__(self, file: str | Path, field_path: str, message: str):
        self.file, self.field_path = str(file), field_path
        super().__init__(f"{file}: {field_path}: {message}")


@dataclass(frozen=True)
class BinarizeSpec:
    method: str = "none"
    threshold: float = 70.0  # 0-255 scale, for "global"
    window: int = 25  # for "sauvola" / "adaptive"
    k: float = 0.2


@dataclass(frozen=True)
class SourceSpec:
    kind: str
    name: str
    paths: tuple[str, ...] = ()  # lineart / strokes / raw: files, folders, globs, .txt lists
    rough: str | None = None  # pairs: folder of rough images, matched to `clean` by file stem
    clean: str | None = None
    csv: str | None = None  # pairs: CSV with columns rough,clean (the authors' trainer format)
    npz_split: str = "train"  # strokes: which array of the .npz
    size: int = 512  # strokes / procedural: canvas side
    count: int = 0  # procedural: how many drawings to generate
    style: str = "shapes"  # procedural: "shapes" (abstract compositions) or "figure" (character sketches)
    line_width: tuple[float, float] = (1.5, 3.0)  # strokes and procedural figures: pen width range in pixels
    limit: int | None = None  # strokes: at most this many drawings per file
    redraw: bool = True  # strokes / svg: make the rough input by redrawing the strokes themselves
    widths: str = "file"  # svg: stroke widths from the file (scaled to the canvas) or from line_width
    # effects on the input: None = the recipe's list for lineart/strokes, none for pairs/raw;
    # true/false = the recipe's list or none; a list = this source's own effects
    effects: bool | tuple[dict, ...] | None = None
    teacher: bool | None = None  # make the target with the recipe's teacher (default: raw yes, others no)
    # "rough": images are rough sketches with no clean version (a user's scans); "line": clean
    # line drawings with no rough version. Both build into their own shard sets, untouched by
    # effects and teachers, for adversarial training (sketchtrain fit --adversarial)
    unpaired: str | None = None

    def effect_specs(self, recipe_effects: tuple[dict, ...]) -> tuple[dict, ...]:
        if self.unpaired:
            return ()
        if isinstance(self.effects, tuple):
            return self.effects
        on = self.effects if self.effects is not None else _kind(self.kind).effects_by_default
        return recipe_effects if on else ()

    @property
    def uses_teacher(self) -> bool:
        if self.unpaired:
            return False
        return self.teacher if self.teacher is not None else _kind(self.kind).teacher_by_default

    @property
    def split(self) -> str | None:
        """The shard set of an unpaired source (None: paired, split into train / validation)."""
        return {"rough": "unpaired_rough", "line": "unpaired_line"}.get(self.unpaired or "")


@dataclass(frozen=True)
class Preprocess:
    input_binarize: BinarizeSpec = BinarizeSpec()
    target_binarize: BinarizeSpec = BinarizeSpec()
    target_cleanup: bool = True
    cleanup_at_load: float = 0.9
    cleanup_after_augment: float = 0.6
    max_pixels: int = 120_000_000


@dataclass(frozen=True)
class Geometry:
    scales: tuple[float, ...] = (1.0,)  # downscale factors (authors: 1.5, 1.75, ..., 3.5)
    rotation: float = 0.0  # max |angle| in degrees (authors: 180)
    hflip: bool = False
    vflip: bool = False


@dataclass(frozen=True)
class Patches:
    mode: str = "patches"  # or "whole": whole images padded to a multiple of 8 (seed case 5)
    size: int = 424
    per_image: int | None = None
    per_megapixel: float | None = 8.0  # patches in proportion to image area (authors' sampling)
    reject_blank: float = 0.99  # reject a patch whose target mean is >= this
    max_tries: int = 20


@dataclass(frozen=True)
class Teacher:
    """A model that makes targets (the seed used the authors' model this way)."""

    model: str
    constants: str | None = None  # released weights' normalisation: gan, mse, pencil1, pencil2, "MEAN,STD"
    scale: float = 1.0
    device: str = "auto"
    input: str = "binarized"  # what the teacher sees: the preprocessed input ("binarized") or the "raw" image


@dataclass(frozen=True)
class Output:
    dir: str = "datasets/out"
    shard_samples: int = 500


@dataclass(frozen=True)
class Recipe:
    name: str
    sources: tuple[SourceSpec, ...]
    seed: int = 0
    preprocess: Preprocess = Preprocess()
    geometry: Geometry = Geometry()
    patches: Patches = Patches()
    effects: tuple[dict, ...] = tuple(DEFAULT_EFFECTS)
    validation: float = 0.1
    output: Output = Output()
    teacher: Teacher | None = None
    base_dir: str = "."  # folder the relative paths are resolved against
    file: str = "<recipe>"  # where the recipe came from, for error messages

    def resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else Path(self.base_dir) / p

    def to_dict(self) -> dict:
        """The resolved recipe as plain data (stored in the dataset manifest)."""
        return dataclasses.asdict(self)


# ---------------------------------------------------------------------------- validation
class _Checker:
    def __init__(self, file: str | Path):
        self.file = file

    def fail(self, path: str, message: str):
        raise RecipeError(self.file, path, message)

    def mapping(self, value: Any, path: str, allowed: set[str]) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping, got {type(value).__name__} {value!r}")
        unknown = sorted(set(value) - allowed)
        if unknown:
            self.fail(f"{path}.{unknown[0]}" if path else unknown[0],
                      f"unknown field (allowed: {', '.join(sorted(allowed))})")
        return value

    def number(self, value, path, lo=None, hi=None, integer=False, lo_open=False):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"expected a number, got {value!r}")
        if integer and int(value) != value:
            self.fail(path, f"expected a whole number, got {value!r}")
        if lo is not None and (value <= lo if lo_open else value < lo):
            self.fail(path, f"must be {'>' if lo_open else '>='} {lo}, got {value!r}")
        if hi is not None and value > hi:
            self.fail(path, f"must be <= {hi}, got {value!r}")
        return int(value) if integer else float(value)

    def boolean(self, value, path):
        if not isinstance(value, bool):
            self.fail(path, f"expected true or false, got {value!r}")
        return value

    def choice(self, value, path, options):
        if value not in options:
            self.fail(path, f"must be one of {', '.join(options)}, got {value!r}")
        return value

    def text(self, value, path):
        if not isinstance(value, str) or not value:
            self.fail(path, f"expected a non-empty string, got {value!r}")
        return value

    def range2(self, value, path, lo, hi):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = [value, value]
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            self.fail(path, f"expected a number or [low, high], got {value!r}")
        a, b = (self.number(v, path, lo, hi) for v in value)
        if a > b:
            self.fail(path, f"low > high in {value!r}")
        return (a, b)


def _binarize(c: _Checker, raw, path) -> BinarizeSpec:
    if isinstance(raw, str):
        raw = {"method": raw}
    raw = c.mapping(raw, path, {"method", "threshold", "window", "k"})
    return BinarizeSpec(
        method=c.choice(raw.get("method", "none"), f"{path}.method", BINARIZE_METHODS),
        threshold=c.number(raw.get("threshold", 70), f"{path}.threshold", 0, 255),
        window=c.number(raw.get("window", 25), f"{path}.window", 3, 1001, integer=True),
        k=c.number(raw.get("k", 0.2), f"{path}.k", 0, 1),
    )


def _source(c: _Checker, raw, path, index) -> SourceSpec:
    raw = c.mapping(raw, path, {f.name for f in dataclasses.fields(SourceSpec)})
    from .source_kinds import KINDS

    kind = c.choice(raw.get("kind"), f"{path}.kind", tuple(KINDS))
    name = raw.get("name", f"{kind}{index}")
    if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum():
        c.fail(f"{path}.name", f"use letters, digits, - and _ only, got {name!r}")
    paths = raw.get("paths", [])
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        c.fail(f"{path}.paths", f"expected a path or a list of paths, got {paths!r}")
    if KINDS[kind].check:
        KINDS[kind].check(c, {**raw, "kind": kind, "paths": paths}, path)
    limit = raw.get("limit")
    unpaired = raw.get("unpaired")
    if unpaired is not None:
        unpaired = c.choice(unpaired, f"{path}.unpaired", UNPAIRED_ROLES)
        if unpaired not in KINDS[kind].unpaired:
            able = [name for name, k in KINDS.items() if unpaired in k.unpaired]
            c.fail(f"{path}.unpaired", f"unpaired {unpaired} sources are of kind {' or '.join(able)}, not {kind}")
    return SourceSpec(
        unpaired=unpaired,
        kind=kind,
        name=name,
        paths=tuple(paths),
        rough=raw.get("rough") and c.text(raw["rough"], f"{path}.rough"),
        clean=raw.get("clean") and c.text(raw["clean"], f"{path}.clean"),
        csv=raw.get("csv") and c.text(raw["csv"], f"{path}.csv"),
        npz_split=c.text(raw.get("npz_split", "train"), f"{path}.npz_split"),
        size=c.number(raw.get("size", 512), f"{path}.size", 16, 8192, integer=True),
        line_width=c.range2(raw.get("line_width", [1.5, 3.0]), f"{path}.line_width", 0.1, 64),
        limit=None if limit is None else c.number(limit, f"{path}.limit", 1, integer=True),
        count=int(raw.get("count", 0)),
        style=c.choice(raw.get("style", "shapes"), f"{path}.style", PROCEDURAL_STYLES),
        redraw=c.boolean(raw.get("redraw", True), f"{path}.redraw"),
        widths=c.choice(raw.get("widths", "file"), f"{path}.widths", SVG_WIDTHS),
        effects=(None if raw.get("effects") is None else
                 _effects(c, raw["effects"], f"{path}.effects") if isinstance(raw["effects"], list) else
                 c.boolean(raw["effects"], f"{path}.effects")),
        teacher=None if raw.get("teacher") is None else c.boolean(raw["teacher"], f"{path}.teacher"),
    )


def _effects(c: _Checker, raw, path) -> tuple[dict, ...]:
    if raw is None:
        return tuple(DEFAULT_EFFECTS)
    if not isinstance(raw, list):
        c.fail(path, f"expected a list of effects, got {raw!r}")
    out = []
    for i, item in enumerate(raw):
        p = f"{path}[{i}]"
        item = c.mapping(item, p, {"name", "p", "strength"})
        name = c.choice(item.get("name"), f"{p}.name", tuple(EFFECTS))
        out.append({
            "name": name,
            "p": c.number(item.get("p", 1.0), f"{p}.p", 0, 1),
            "strength": list(c.range2(item.get("strength", [0.3, 0.7]), f"{p}.strength", 0, 1)),
        })
    return tuple(out)


def parse_recipe(raw: Any, file: str | Path = "<recipe>", base_dir: str | Path | None = None) -> Recipe:
    """Validate a recipe given as plain data (from YAML) and return a Recipe."""
    c = _Checker(file)
    top = c.mapping(raw, "", {"name", "seed", "sources", "preprocess", "geometry", "patches",
                              "effects", "splits", "output", "teacher"})
    sources = top.get("sources")
    if not isinstance(sources, list) or not sources:
        c.fail("sources", "expected a non-empty list of sources")
    specs = tuple(_source(c, s, f"sources[{i}]", i) for i, s in enumerate(sources))
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        c.fail("sources", f"source names must be unique, got {names}")

    pre = c.mapping(top.get("preprocess"), "preprocess",
                    {"input_binarize", "target_binarize", "target_cleanup", "max_pixels"})
    cleanup = pre.get("target_cleanup", True)
    if isinstance(cleanup, dict):
        cleanup = c.mapping(cleanup, "preprocess.target_cleanup", {"at_load", "after_augment"})
        at_load = c.number(cleanup.get("at_load", 0.9), "preprocess.target_cleanup.at_load", 0, 1)
        after = c.number(cleanup.get("after_augment", 0.6), "preprocess.target_cleanup.after_augment", 0, 1)
        cleanup = True
    else:
        cleanup, at_load, after = c.boolean(cleanup, "preprocess.target_cleanup"), 0.9, 0.6
    preprocess = Preprocess(
        input_binarize=_binarize(c, pre.get("input_binarize"), "preprocess.input_binarize"),
        target_binarize=_binarize(c, pre.get("target_binarize"), "preprocess.target_binarize"),
        target_cleanup=cleanup, cleanup_at_load=at_load, cleanup_after_augment=after,
        max_pixels=c.number(pre.get("max_pixels", 120_000_000), "preprocess.max_pixels", 1, integer=True),
    )

    geo = c.mapping(top.get("geometry"), "geometry", {"scales", "rotation", "hflip", "vflip"})
    scales = geo.get("scales", [1.0])
    if not isinstance(scales, list) or not scales:
        c.fail("geometry.scales", f"expected a non-empty list of downscale factors, got {scales!r}")
    geometry = Geometry(
        scales=tuple(c.number(s, f"geometry.scales[{i}]", 0.05, 64) for i, s in enumerate(scales)),
        rotation=c.number(geo.get("rotation", 0), "geometry.rotation", 0, 180),
        hflip=c.boolean(geo.get("hflip", False), "geometry.hflip"),
        vflip=c.boolean(geo.get("vflip", False), "geometry.vflip"),
    )

    pat = c.mapping(top.get("patches"), "patches",
                    {"mode", "size", "per_image", "per_megapixel", "reject_blank", "max_tries"})
    mode = c.choice(pat.get("mode", "patches"), "patches.mode", ("patches", "whole"))
    per_image = pat.get("per_image")
    per_mp = pat.get("per_megapixel")
    if per_image is not None and per_mp is not None:
        c.fail("patches", "give either per_image or per_megapixel, not both")
    if per_image is None and per_mp is None:
        per_mp = 8.0
    patches = Patches(
        mode=mode,
        size=c.number(pat.get("size", 424), "patches.size", 16, 4096, integer=True),
        per_image=None if per_image is None else c.number(per_image, "patches.per_image", 1, integer=True),
        per_megapixel=None if per_mp is None else c.number(per_mp, "patches.per_megapixel", 0, lo_open=True),
        reject_blank=c.number(pat.get("reject_blank", 0.99), "patches.reject_blank", 0, 1),
        max_tries=c.number(pat.get("max_tries", 20), "patches.max_tries", 1, integer=True),
    )
    if mode == "patches" and patches.size % 8:
        c.fail("patches.size", f"must be a multiple of 8 (the network downsamples by 8), got {patches.size}")

    splits = c.mapping(top.get("splits"), "splits", {"validation"})
    out = c.mapping(top.get("output"), "output", {"dir", "shard_samples"})
    teacher = None
    if top.get("teacher") is not None:
        t = c.mapping(top["teacher"], "teacher", {"model", "constants", "scale", "device", "input"})
        teacher = Teacher(
            model=c.text(t.get("model"), "teacher.model"),
            constants=None if t.get("constants") is None else c.text(str(t["constants"]), "teacher.constants"),
            scale=c.number(t.get("scale", 1.0), "teacher.scale", 0.05, 4),
            device=c.choice(t.get("device", "auto"), "teacher.device", ("auto", "cpu", "cuda")),
            input=c.choice(t.get("input", "binarized"), "teacher.input", ("binarized", "raw")),
        )
    for i, spec in enumerate(specs):
        if spec.uses_teacher and teacher is None:
            c.fail(f"sources[{i}]", f"source {spec.name!r} makes its targets with a teacher: add a top-level "
                                    "`teacher: {model: PATH}` (e.g. the authors' model_gan.pth)")
        if _kind(spec.kind).teacher_by_default and not spec.uses_teacher:
            c.fail(f"sources[{i}].teacher", f"a {spec.kind} source has no target without the teacher")
    seed = top.get("seed", 0)
    return Recipe(
        name=c.text(top.get("name", Path(str(file)).stem), "name"),
        sources=specs,
        seed=c.number(seed, "seed", 0, integer=True),
        preprocess=preprocess,
        geometry=geometry,
        patches=patches,
        effects=_effects(c, top.get("effects"), "effects"),
        validation=c.number(splits.get("validation", 0.1), "splits.validation", 0, 0.9),
        output=Output(
            dir=c.text(out.get("dir", f"datasets/{Path(str(file)).stem}"), "output.dir"),
            shard_samples=c.number(out.get("shard_samples", 500), "output.shard_samples", 1, integer=True),
        ),
        teacher=teacher,
        base_dir=str(Path(base_dir) if base_dir is not None else Path(str(file)).resolve().parent),
        file=str(file),
    )


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate a recipe YAML file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise RecipeError(path, "(file)", "recipe file not found") from None
    except yaml.YAMLError as exc:
        raise RecipeError(path, "(syntax)", f"not valid YAML: {exc}") from None
    return parse_recipe(raw, path, path.resolve().parent)
