from pathlib import Path

import pytest

from sketchdata.recipe import RecipeError, load_recipe, parse_recipe

ROOT = Path(__file__).resolve().parents[1]


def test_quickstart_recipe_loads_and_resolves_paths():
    recipe = load_recipe(ROOT / "recipes" / "quickstart.yaml")
    assert recipe.patches.size == 256
    assert recipe.resolve(recipe.sources[0].paths[0]).resolve() == (ROOT / "samples" / "lineart").resolve()


@pytest.mark.parametrize("raw, field, fragment", [
    ({"sources": []}, "sources", "non-empty"),
    ({"sources": [{"kind": "photo", "paths": ["x"]}]}, "sources[0].kind", "lineart"),
    ({"sources": [{"kind": "lineart", "paths": ["x"]}], "patches": {"size": 100}}, "patches.size", "multiple of 8"),
    ({"sources": [{"kind": "lineart", "paths": ["x"]}], "geometry": {"rotation": 270}}, "geometry.rotation", "270"),
    ({"sources": [{"kind": "lineart", "paths": ["x"]}], "effects": [{"name": "blur"}]}, "effects[0].name", "blur"),
    ({"sources": [{"kind": "lineart", "paths": ["x"]}], "effects": [{"name": "slur", "strength": [0.9, 0.1]}]},
     "effects[0].strength", "low > high"),
    ({"sources": [{"kind": "lineart", "paths": ["x"]}], "patchs": {}}, "patchs", "unknown field"),
    ({"sources": [{"kind": "pairs"}]}, "sources[0]", "csv"),
])
def test_bad_recipes_name_file_field_and_value(raw, field, fragment):
    with pytest.raises(RecipeError) as info:
        parse_recipe(raw, "my.yaml", ".")
    message = str(info.value)
    assert message.startswith(f"my.yaml: {field}:"), message
    assert fragment in message


def test_yaml_syntax_error_names_file(tmp_path):
    (tmp_path / "bad.yaml").write_text("sources: [\n")
    with pytest.raises(RecipeError, match="bad.yaml"):
        load_recipe(tmp_path / "bad.yaml")


@pytest.mark.slow
def test_the_published_schema_is_current_and_accepts_every_shipped_recipe():
    import json

    import jsonschema
    import yaml

    from sketchdata.recipe import recipe_schema

    published = json.loads((ROOT / "recipes" / "recipe.schema.json").read_text())
    assert published == recipe_schema(), "run: sketchdata schema -o recipes/recipe.schema.json"
    validator = jsonschema.Draft202012Validator(published)
    recipes = sorted((ROOT / "recipes").rglob("*.yaml")) + [ROOT / "sketchdata" / "starter" / "recipe.yaml"]
    assert len(recipes) > 10
    for path in recipes:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert not errors, (path, errors)
    # and it rejects what the loader rejects
    bad = {"sources": [{"kind": "photo", "paths": ["x"]}], "patches": {"size": 5000}, "patchs": {}}
    messages = " ".join(e.message for e in validator.iter_errors(bad))
    assert "'photo' is not one of" in messages and "5000 is greater than" in messages and "'patchs'" in messages


def test_defaults_are_declared_once_on_the_models():
    from sketchdata.recipe import Patches, Recipe

    recipe = parse_recipe({"sources": [{"kind": "procedural", "count": 1}]}, "r.yaml", ".")
    assert recipe.patches.size == Patches.model_fields["size"].default == 424
    assert recipe.patches.per_megapixel == 8.0  # neither per_image nor per_megapixel: the authors' sampling
    assert recipe.name == "r" and recipe.output.dir == "datasets/r" and recipe.sources[0].name == "procedural0"
    assert "base_dir" not in Recipe.model_json_schema()["properties"]
