"""The packages' public API resolves, and the import paths of 0.1 keep working with a warning."""

import importlib
import subprocess
import sys

import pytest

import sketchdata
import sketchtrain

PACKAGES = ["sketchdata", "sketchdata.image", "sketchdata.recipe", "sketchdata.sources", "sketchdata.shards",
            "sketchtrain", "sketchtrain.models", "sketchtrain.inference", "sketchtrain.training",
            "sketchtrain.evaluation", "sketchtrain.release", "sketchtrain.app"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves(package):
    module = importlib.import_module(package)
    assert module.__all__, f"{package} exports nothing"
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"


def test_importing_the_packages_loads_no_torch():
    code = "import sys, sketchdata, sketchtrain; print('torch' in sys.modules, 'cv2' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == ["False", "False"], done.stdout + done.stderr


@pytest.mark.parametrize("old,new,name", [
    ("sketchtrain.simplify", "sketchtrain.inference.simplify", "simplify_paths"),
    ("sketchdata.build", "sketchdata.shards.build", "build_dataset"),
    ("sketchtrain.checkpoint", "sketchtrain.release.slim", "save_slim"),
    ("sketchtrain.checkpoint", "sketchtrain.models.checkpoint", "load_checkpoint"),
    ("sketchtrain.api", "sketchtrain.inference.teacher", "make_teacher"),
    ("sketchdata.imageio", "sketchdata.image.io", "load_grey"),
    ("sketchdata.source_kinds", "sketchdata.sources.kinds", "images"),
])
def test_the_import_paths_of_0_1_still_work_with_a_deprecation_warning(old, new, name):
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"{old} moved to .*{new.rsplit('.', 1)[0]}"):
        module = importlib.import_module(old)
    assert getattr(module, name) is getattr(importlib.import_module(new), name)


def test_the_old_package_level_names_are_the_new_packages():
    from sketchtrain.inference import Simplifier, load_model  # was sketchtrain/inference.py
    from sketchdata.recipe import load_recipe, parse_recipe  # was sketchdata/recipe.py
    from sketchtrain.app import create_app  # was sketchtrain/app.py

    assert Simplifier and load_model and load_recipe and parse_recipe and create_app
    assert sketchtrain.simplify_paths is importlib.import_module("sketchtrain.inference.simplify").simplify_paths
    assert sketchdata.build_dataset is importlib.import_module("sketchdata.shards.build").build_dataset
