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
