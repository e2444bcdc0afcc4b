import hashlib
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest
import webdataset as wds
from PIL import Image

from conftest import make_drawings, write_recipe
from sketchdata.shards.build import BuildError, build_dataset
from sketchdata.shards.dataset import iter_samples, read_manifest, shard_paths
from sketchdata.recipe import load_recipe


def tar_digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.tar"))}


@pytest.mark.slow
def test_build_writes_readable_webdataset_shards(tiny_project):
    recipe = load_recipe(tiny_project / "recipe.yaml")
    report = build_dataset(recipe)
    out = tiny_project / "out"
    assert report.complete and report.skipped == []
    manifest = read_manifest(out)
    assert manifest["counts"]["train"]["samples"] + manifest["counts"]["validation"]["samples"] == 18
    assert manifest["recipe"]["seed"] == 7 and "versions" in manifest
    # a plain webdataset pipeline reads every shard
    train = shard_paths(out, "train")
    plain = list(wds.WebDataset(train, shardshuffle=False).decode("l"))
    assert len(plain) == manifest["counts"]["train"]["samples"]
    for s in plain:
        assert "." not in s["__key__"]
        assert s["input.png"].shape == (64, 64) and s["target.png"].shape == (64, 64)
        assert set(s["json"]) >= {"source", "scale", "angle", "hflip", "effects"}
    # and so does tar
    with tarfile.open(train[0]) as tf:
        names = tf.getnames()
    assert names[0].endswith(".input.png") and names[1].endswith(".json") and names[2].endswith(".target.png")
    # the target is clean: the authors' clean-up leaves ink at 0
    _, inp, tgt, meta = next(iter_samples(train))
    assert tgt.min() == 0.0 and tgt.mean() < 0.995
    assert meta["effects"][0]["name"] == "rough"


@pytest.mark.slow
def test_split_is_by_drawing_never_by_patch(tiny_project):
    report = build_dataset(load_recipe(tiny_project / "recipe.yaml"))
    out = Path(report.out_dir)
    ids = {split: {m["source_id"] for *_, m in iter_samples(shard_paths(out, split))} for split in ("train", "validation")}
    assert ids["train"] and ids["validation"]
    assert not ids["train"] & ids["validation"]


@pytest.mark.slow
@pytest.mark.slow
def test_workers_start_after_opencv_threads_ran_in_this_process(tiny_project, tmp_path):
    """A build with workers after effects ran in-process (a notebook, a test) used to hang: a
    child forked while OpenCV's thread pool existed blocked in cv2.setNumThreads."""
    code = ("import cv2, numpy as np, sys\n"
            "from sketchdata.recipe import load_recipe\n"
            "from sketchdata.shards.build import build_dataset\n"
            "cv2.setNumThreads(2)\n"
            "for _ in range(3): cv2.GaussianBlur(np.random.rand(2048, 2048).astype(np.float32), (0, 0), 5)\n"
            "build_dataset(load_recipe(sys.argv[1]), sys.argv[2], workers=2)\n"
            "assert cv2.getNumThreads() == 2\n")
    done = subprocess.run([sys.executable, "-c", code, str(tiny_project / "recipe.yaml"), str(tmp_path / "out")],
                          timeout=120, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert read_manifest(tmp_path / "out")["complete"]


def test_same_seed_same_bytes_whatever_the_workers(tiny_project, tmp_path):
    recipe = load_recipe(tiny_project / "recipe.yaml")
    build_dataset(recipe, tmp_path / "w1", workers=1)
    build_dataset(recipe, tmp_path / "w2", workers=2)
    one, two = tar_digests(tmp_path / "w1"), tar_digests(tmp_path / "w2")
    assert len(one) >= 3 and one == two


@pytest.mark.slow
def test_parts_on_several_machines_make_the_same_dataset(tiny_project, tmp_path):
    recipe = load_recipe(tiny_project / "recipe.yaml")
    build_dataset(recipe, tmp_path / "full")
    first = build_dataset(recipe, tmp_path / "parts", part=(0, 2))
    assert not first.complete
    second = build_dataset(recipe, tmp_path / "parts", part=(1, 2))
    assert second.complete
    assert tar_digests(tmp_path / "full") == tar_digests(tmp_path / "parts")
    assert read_manifest(tmp_path / "parts")["counts"] == read_manifest(tmp_path / "full")["counts"]


@pytest.mark.slow
def test_rerun_skips_finished_shards_and_refuses_a_different_recipe(tiny_project):
    recipe = load_recipe(tiny_project / "recipe.yaml")
    first = build_dataset(recipe)
    again = build_dataset(recipe)
    assert again.shards_built == 0 and again.shards_skipped_existing == first.shards_total
    write_recipe(tiny_project, seed=8)
    with pytest.raises(BuildError, match="different recipe"):
        build_dataset(load_recipe(tiny_project / "recipe.yaml"))


@pytest.mark.slow
def test_kill_9_then_resume_equals_uninterrupted_build(tmp_path):
    make_drawings(tmp_path / "art", count=10, size=(200, 240))
    write_recipe(tmp_path, output={"dir": "killed", "shard_samples": 3})
    recipe_path = tmp_path / "recipe.yaml"
    build_dataset(load_recipe(recipe_path), tmp_path / "reference")
    code = ("import sys; from sketchdata.recipe import load_recipe; from sketchdata.shards.build import build_dataset;"
            "build_dataset(load_recipe(sys.argv[1]))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(recipe_path)])
    parts = tmp_path / "killed" / "_parts"
    deadline = time.time() + 60
    while time.time() < deadline and len(list(parts.glob("*-*.json"))) < 2:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished_before = len(list(parts.glob("*-*.json")))
    assert finished_before >= 2
    report = build_dataset(load_recipe(recipe_path))
    assert report.complete and report.shards_skipped_existing >= finished_before
    assert tar_digests(tmp_path / "killed") == tar_digests(tmp_path / "reference")
    assert not list((tmp_path / "killed").glob(".*.tmp"))


@pytest.mark.slow
def test_bad_inputs_are_skipped_counted_and_explained(tiny_project):
    art = tiny_project / "art"
    (art / "notes.png").write_text("this is text")
    good = (art / "d00.png").read_bytes()
    (art / "truncated.png").write_bytes(good[: len(good) // 3])
    Image.fromarray(np.full((20, 20), 255, np.uint8)).save(art / "tiny.png")
    Image.fromarray(np.full((80, 90, 4), 0, np.uint8), "RGBA").save(art / "transparent.png")
    report = build_dataset(load_recipe(tiny_project / "recipe.yaml"))
    reasons = {Path(s["path"]).name: s["reason"] for s in report.skipped}
    assert "not a readable image" in reasons["notes.png"]
    assert "truncated.png" in reasons
    assert "smaller than a 64px patch" in reasons["tiny.png"]
    assert report.complete
    manifest = read_manifest(report.out_dir)
    assert manifest["skipped_count"] == len(report.skipped) >= 3
    # the fully transparent image composites to white paper: all its 3 patches are blank, none is kept
    assert manifest["counts"]["train"]["missing"] + manifest["counts"]["validation"]["missing"] >= 3


@pytest.mark.slow
def test_whole_images_are_padded_to_a_multiple_of_8(tiny_project):
    write_recipe(tiny_project, patches={"mode": "whole"}, geometry={"scales": [1.0, 1.5]})
    report = build_dataset(load_recipe(tiny_project / "recipe.yaml"))
    sizes = {inp.shape for split in ("train", "validation")
             for _, inp, _, _ in iter_samples(shard_paths(report.out_dir, split))}
    assert (160, 200) in sizes and (112, 136) in sizes  # 107x133 padded up
    assert all(h % 8 == 0 and w % 8 == 0 for h, w in sizes)


def test_pairs_by_name_and_by_csv(tmp_path):
    make_drawings(tmp_path / "clean", count=3)
    make_drawings(tmp_path / "rough", count=3, seed=5)
    (tmp_path / "rough" / "orphan.png").write_bytes((tmp_path / "rough" / "d00.png").read_bytes())
    (tmp_path / "pairs.csv").write_text("rough,clean\nrough/d00.png,clean/d00.png\nrough/d01.png,clean/d01.png\n")
    write_recipe(tmp_path, sources=[{"kind": "pairs", "name": "named", "rough": "rough", "clean": "clean"},
                                    {"kind": "pairs", "name": "listed", "csv": "pairs.csv"}])
    report = build_dataset(load_recipe(tmp_path / "recipe.yaml"))
    assert sum(report.samples.values()) == (3 + 2) * 3
    assert any("orphan" in s["path"] and "no clean image" in s["reason"] for s in report.skipped)
    metas = [m for split in ("train", "validation") for *_, m in iter_samples(shard_paths(report.out_dir, split))]
    assert all(m["effects"] == [] for m in metas)  # pairs keep their own rough input by default


def test_stroke3_source_renders_and_redraws(tmp_path):
    rng = np.random.default_rng(0)
    drawings = []
    for _ in range(5):
        pts = np.cumsum(rng.normal(0, 10, (30, 2)), 0)
        d = np.zeros((30, 3))
        d[1:, :2] = np.diff(pts, axis=0)
        d[[9, 19, 29], 2] = 1
        drawings.append(d.astype(np.int16))
    arr = np.empty(len(drawings), dtype=object)
    arr[:] = drawings
    np.savez(tmp_path / "sheep.npz", train=arr, valid=arr[:2])
    write_recipe(tmp_path, sources=[{"kind": "strokes", "name": "sheep", "paths": ["sheep.npz"], "size": 128}])
    report = build_dataset(load_recipe(tmp_path / "recipe.yaml"))
    assert sum(report.samples.values()) == 15 and report.skipped == []
    _, inp, tgt, meta = next(iter_samples(shard_paths(report.out_dir, "train")))
    assert meta["kind"] == "strokes" and "sheep.npz#train" in meta["source"]
    assert not np.array_equal(inp, tgt)


def test_procedural_sources_need_no_files_and_copies_share_drawings(tmp_path):
    write_recipe(tmp_path, sources=[
        {"kind": "procedural", "name": "plain", "count": 3, "size": 96, "effects": []},
        {"kind": "procedural", "name": "noisy", "count": 3, "size": 96, "effects": [{"name": "random", "strength": 0.5}]},
    ], geometry={"scales": [1.0]}, patches={"mode": "whole"}, splits={"validation": 0.0})
    report = build_dataset(load_recipe(tmp_path / "recipe.yaml"))
    samples = {m["source_id"]: (inp, tgt) for _, inp, tgt, m in iter_samples(shard_paths(report.out_dir, "train"))}
    assert len(samples) == 6
    for i in range(3):
        plain_in, plain_tgt = samples[f"plain-{i:06d}"]
        noisy_in, noisy_tgt = samples[f"noisy-{i:06d}"]
        assert np.array_equal(plain_tgt, noisy_tgt)  # the same drawing
        assert not np.array_equal(plain_in, noisy_in)  # treated differently


def test_procedural_source_needs_a_count(tmp_path):
    from sketchdata.recipe import RecipeError, parse_recipe

    with pytest.raises(RecipeError, match=r"sources\[0\].count"):
        parse_recipe({"sources": [{"kind": "procedural"}]}, "r.yaml", tmp_path)


SHEEP = Path(__file__).resolve().parents[2] / "shared" / "data" / "strokes" / "aaron_sheep.npz"


@pytest.mark.skipif(not SHEEP.exists(), reason="shared/data/strokes/aaron_sheep.npz is not beside this checkout")
def test_sheep_recipe_reads_the_real_stroke_file():
    from sketchdata.sources.collect import collect_sources

    items, skipped = collect_sources(load_recipe(Path(__file__).resolve().parents[1] / "recipes" / "sheep.yaml"))
    assert len(items) == 400 and not skipped
    assert {it.split for it in items} == {"train", "validation"}
