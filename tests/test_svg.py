"""The svg source kind: paths, widths from the file, transforms; bad SVGs skipped with a reason."""

import json

import numpy as np
import pytest

from conftest import write_recipe
from sketchdata.shards.build import build_dataset
from sketchdata.shards.dataset import iter_samples, shard_paths
from sketchdata.image.io import BadInput
from sketchdata.image.linewidth import median_stroke_width
from sketchdata.recipe import load_recipe
from sketchdata.drawing.svg_reader import load_svg_strokes

LINE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <g transform="rotate(90 50 50)"><path d="M10 50 H90" stroke="#000" stroke-width="{w}" fill="none"/></g>
</svg>"""

ICON_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" fill="none"
  stroke="currentColor" stroke-width="2"><circle cx="12" cy="12" r="9"/><path d="M8 12h8M12 8v8"/>
  <g transform="translate(12 12) scale(0.5)"><rect x="-4" y="-4" width="8" height="8"/></g></svg>"""


def test_paths_transforms_and_widths_come_from_the_file(tmp_path):
    (tmp_path / "line.svg").write_text(LINE_SVG.format(w=3))
    lines, widths = load_svg_strokes(tmp_path / "line.svg")
    (line,) = lines
    assert widths == [3.0]
    assert np.allclose(line[:, 0], 50, atol=1e-6)  # rotated: a vertical line at x = 50
    assert line[:, 1].min() == pytest.approx(10) and line[:, 1].max() == pytest.approx(90)
    (tmp_path / "icon.svg").write_text(ICON_SVG)
    lines, widths = load_svg_strokes(tmp_path / "icon.svg")
    assert len(lines) == 4 and widths[:3] == [2.0, 2.0, 2.0] and widths[3] == pytest.approx(1.0)  # scaled rect
    rect = lines[3]
    assert rect.min(0) == pytest.approx([10, 10]) and rect.max(0) == pytest.approx([14, 14])


@pytest.mark.parametrize("content, reason", [("hello", "not a readable SVG"), ("", "empty file"),
                                             ('<svg xmlns="http://www.w3.org/2000/svg"></svg>', "no drawable paths")])
def test_bad_svgs_raise_a_one_line_reason(tmp_path, content, reason):
    (tmp_path / "bad.svg").write_text(content)
    with pytest.raises(BadInput, match=reason):
        load_svg_strokes(tmp_path / "bad.svg")


def test_svg_source_builds_scaled_widths_and_skips_bad_files(tmp_path):
    art = tmp_path / "art"
    art.mkdir()
    (art / "thin.svg").write_text(LINE_SVG.format(w=1))
    (art / "thick.svg").write_text(LINE_SVG.format(w=4))
    (art / "icon.svg").write_text(ICON_SVG)
    (art / "broken.svg").write_text("<svg><path d=")
    write_recipe(tmp_path, sources=[{"kind": "svg", "name": "icons", "paths": ["art"], "size": 200, "redraw": True}],
                 patches={"mode": "whole"}, splits={"validation": 0.0}, geometry={"scales": [1.0]},
                 preprocess={"target_cleanup": {"at_load": 0.5, "after_augment": 0.5}},
                 effects=[{"name": "rough", "p": 1.0, "strength": [0.5, 0.5]}])
    report = build_dataset(load_recipe(tmp_path / "recipe.yaml"))
    (skipped,) = report.skipped
    assert skipped["path"].endswith("broken.svg") and "not a readable SVG" in skipped["reason"]
    samples = {meta["source"].rsplit("/", 1)[-1]: (inp, tgt) for _, inp, tgt, meta in
               iter_samples(shard_paths(report.out_dir, "train"))}
    assert set(samples) == {"thin.svg", "thick.svg", "icon.svg"}
    # 80 user units fill 88% of 200 px: widths scale by 2.2
    assert median_stroke_width(samples["thick.svg"][1]) == pytest.approx(4 * 2.2, rel=0.2)
    assert median_stroke_width(samples["thin.svg"][1]) == pytest.approx(1 * 2.2, rel=0.25)
    inp, tgt = samples["thick.svg"]
    assert not np.array_equal(inp, tgt)  # redrawn rough
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"]["train"]["samples"] == 3
    # the redraw is recorded as the rough effect, in each sample's provenance and the manifest
    assert manifest["effects_applied"]["rough"] == 3
    metas = [meta for _, _, _, meta in iter_samples(shard_paths(report.out_dir, "train"))]
    assert all(m["effects"][0] == {"name": "rough", "strength": 0.5} for m in metas)
