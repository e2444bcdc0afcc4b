"""A source as 0.1 wrote it into every dataset manifest: one record with every kind's fields.

Why: ``plan_fingerprint`` hashes the recipe as stored in the manifest, and a build resumes only
while the fingerprint matches. Since 0.2 each kind has only its own fields; listing the others
at their 0.1 defaults keeps the fingerprint (and the manifest) of every existing dataset, so
its interrupted builds still resume. Fields of kinds added later follow, as their spec has them.
"""

from __future__ import annotations

# field -> default, in the order 0.1's single source model declared them
SOURCE_FIELDS_0_1 = {
    "kind": None, "name": "", "paths": (), "rough": None, "clean": None, "csv": None, "npz_split": "train",
    "size": 512, "count": 0, "style": "shapes", "line_width": (1.5, 3.0), "limit": None, "redraw": True,
    "widths": "file", "effects": None, "teacher": None, "unpaired": None,
}


def legacy_source_fields(plain: dict) -> dict:
    """A source's plain fields in the 0.1 record: every 0.1 field (its own value, or the 0.1
    default), then the fields 0.1 did not have."""
    record = {name: plain.get(name, default) for name, default in SOURCE_FIELDS_0_1.items()}
    record.update({name: value for name, value in plain.items() if name not in SOURCE_FIELDS_0_1})
    return record
