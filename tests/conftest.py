"""Shared fixtures: tiny drawings and recipes the tests make themselves."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import yaml

from sketchdata.image.io import save_png
from sketchdata.drawing.shapes import LineArtStyle, procedural_line_art


def make_drawings(folder: Path, count: int = 6, size: tuple[int, int] = (160, 200), seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        img = procedural_line_art(size, np.random.default_rng([seed, i]), LineArtStyle(density=2.0))
        paths.append(folder / f"d{i:02d}.png")
        save_png(paths[-1], img)
    return paths


def write_recipe(folder: Path, **overrides) -> Path:
    recipe = {
        "name": "tiny",
        "seed": 7,
        "sources": [{"kind": "lineart", "name": "art", "paths": ["art"]}],
        "geometry": {"scales": [1.0, 1.25], "rotation": 180, "hflip": True},
        "patches": {"size": 64, "per_image": 3, "reject_blank": 0.995},
        "effects": [{"name": "rough", "p": 1.0, "strength": [0.3, 0.6]},
                    {"name": "random", "p": 0.5, "strength": [0.1, 0.3]}],
        "splits": {"validation": 0.3},
        "output": {"dir": "out", "shard_samples": 4},
    }
    recipe.update(overrides)
    path = folder / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    """A folder with art/ (6 small drawings) and recipe.yaml over it."""
    make_drawings(tmp_path / "art")
    write_recipe(tmp_path)
    return tmp_path


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def quickstart_dataset(tmp_path_factory) -> Path:
    """The quickstart recipe over the bundled samples, built once per test session."""
    from sketchdata.shards.build import build_dataset
    from sketchdata.recipe import load_recipe

    out = tmp_path_factory.mktemp("quickstart")
    build_dataset(load_recipe(ROOT / "recipes" / "quickstart.yaml"), out, workers=2)
    return out


def calibrated_model():
    """A small network whose output really varies with the input (random weights, batch-norm
    statistics measured on drawings, a strong last layer): enough to test the machinery."""
    import torch

    from sketchtrain.models.registry import model_config
    from sketchtrain.models.fcn import SimplifyNet

    torch.manual_seed(0)
    model = SimplifyNet(model_config("sixteenth"))
    drawings = torch.from_numpy(np.stack([procedural_line_art((96, 96), np.random.default_rng(i)) for i in range(8)]))
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(drawings[:, None])
        model.blocks[-1][0].weight *= 20
    return model.eval()



def save_model_checkpoint(path: Path, model) -> Path:
    from sketchtrain.models.checkpoint import save_checkpoint

    save_checkpoint(path, {"model": model.config.to_dict(), "state_dict": model.state_dict(), "step": 0,
                           "args": {}, "metrics": {}})
    return path


def torchrun_fit(dataset, out, *args: str):
    """`sketchtrain fit DATASET -o OUT ARGS` in two CPU processes under torchrun, on a free port
    (so parallel runs on one machine do not collide); returns the finished process."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={port}", "-m",
           "sketchtrain", "fit", str(dataset), "-o", str(out), "--workers", "0", "-q", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})


@pytest.fixture
def shards(tiny_project) -> Path:
    """The tiny project's dataset, built."""
    from sketchdata.recipe import load_recipe
    from sketchdata.shards.build import build_dataset

    return Path(build_dataset(load_recipe(tiny_project / "recipe.yaml")).out_dir)


def registered_models() -> list[tuple[str, str]]:
    """Every (architecture, variant) of the registry."""
    from sketchtrain.models.registry import ARCHITECTURES

    return [(arch, variant) for arch, spec in ARCHITECTURES.items() for variant in spec.variants]


@functools.lru_cache(maxsize=None)  # both sweeps ask for every model: build each once
def _size_and_geometry(arch: str, variant: str) -> tuple[int, tuple]:
    import torch

    from sketchtrain.models.registry import build_model, model_config

    with torch.device("meta"):
        model = build_model(model_config(variant, arch))
    return sum(p.numel() for p in model.parameters()), (arch, model.stride, model.receptive_radius)


def geometry_models() -> list[tuple[str, str]]:
    """The smallest variant of each distinct geometry (architecture, stride, receptive radius) in
    the registry, for the tests that run many passes: a new architecture or layout joins them."""
    smallest: dict[tuple, tuple[int, tuple[str, str]]] = {}
    for arch, variant in registered_models():
        size, geometry = _size_and_geometry(arch, variant)
        if geometry not in smallest or size < smallest[geometry][0]:
            smallest[geometry] = (size, (arch, variant))
    return sorted({model for _, model in smallest.values()})


def smallest_models() -> list[tuple[str, str]]:
    """The smallest variant of each architecture."""
    best: dict[str, tuple[int, str]] = {}
    for arch, variant in registered_models():
        size, _ = _size_and_geometry(arch, variant)
        if arch not in best or size < best[arch][0]:
            best[arch] = (size, variant)
    return [(arch, variant) for arch, (_, variant) in best.items()]


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    """A tiny calibrated checkpoint on disk, one per test module."""
    return save_model_checkpoint(tmp_path_factory.mktemp("model") / "tiny.pt", calibrated_model())


def snapshot(root: Path, exclude: Path | None = None) -> dict[str, str]:
    """Hash of every file under root (outside ``exclude``): to assert that a command changed nothing."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))
            if p.is_file() and not (exclude is not None and (p == exclude or exclude in p.parents))}


PWNED_MARKER = "/tmp/sketch_hardening_pwned"  # the file CodeOnLoad creates if a loader ever runs it


class CodeOnLoad:
    """Pickles to a call of ``touch PWNED_MARKER``: data that runs code when a loader unpickles it."""

    def __reduce__(self):
        return (os.system, (f"touch {PWNED_MARKER}",))
