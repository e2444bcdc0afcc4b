"""What every recipe source has, whatever its kind: a name, its effects, whether a teacher makes
its targets, and an unpaired role. Each kind subclasses :class:`SourceSpec` with its own fields
and ``kind: Literal[...]`` (sketchdata.sources.kinds), so a recipe's JSON Schema shows the fields
of each kind, and a field of another kind is refused as unknown."""

from __future__ import annotations

from typing import Union

from pydantic import ConfigDict, field_validator, model_validator

from sketchdata.fields import Choice, EffectSpec, FieldProblem, Paths, SpecModel
from sketchdata.sources.registry import KINDS, get_kind

UNPAIRED_ROLES = ("rough", "line")
MAX_PLAN_SAMPLES = 10_000_000  # what one build takes: beyond this, split the data into several recipes (or parts)


class SourceSpec(SpecModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str  # a registered source kind; each kind's spec narrows it to Literal[its names]
    name: str = ""  # default: KIND + its index
    # effects on the input: None = the recipe's list for kinds whose effects apply by default;
    # true/false = the recipe's list or none; a list = this source's own effects
    effects: Union[bool, tuple[EffectSpec, ...], None] = None
    teacher: bool | None = None  # make the target with the recipe's teacher (default: by kind, raw yes)
    # "rough": rough sketches with no clean version (a user's scans); "line": clean line
    # drawings with no rough version. Both build into their own shard sets, untouched by
    # effects and teachers, for adversarial training (sketchtrain fit --adversarial)
    unpaired: Choice(UNPAIRED_ROLES) | None = None

    @field_validator("name")
    @classmethod
    def _key_safe(cls, name: str) -> str:
        if name and not name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"use letters, digits, - and _ only, got {name!r}")
        return name

    @model_validator(mode="after")
    def _unpaired_role(self):
        if self.unpaired and self.unpaired not in get_kind(self.kind).unpaired:
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
            on = self.effects if self.effects is not None else get_kind(self.kind).effects_by_default
            chosen = recipe_effects if on else ()
        return tuple(e.plain() if isinstance(e, EffectSpec) else dict(e) for e in chosen)

    @property
    def uses_teacher(self) -> bool:
        if self.unpaired:
            return False
        return self.teacher if self.teacher is not None else get_kind(self.kind).teacher_by_default

    @property
    def split(self) -> str | None:
        """The shard set of an unpaired source (None: paired, split into train / validation)."""
        return {"rough": "unpaired_rough", "line": "unpaired_line"}.get(self.unpaired or "")

    def plain(self) -> dict:
        data = self.model_dump()
        if isinstance(self.effects, tuple):
            data["effects"] = tuple(e.plain() for e in self.effects)
        return data


class FileSourceSpec(SourceSpec):
    """A source read from files: ``paths`` lists files, folders, globs or .txt lists."""

    paths: Paths = ()

    @model_validator(mode="after")
    def _has_paths(self):
        if not self.paths:
            raise FieldProblem("paths", f"a {self.kind} source needs at least one path")
        return self
