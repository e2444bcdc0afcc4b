"""The recipe: what a dataset is made of and how (``model``: its sections and the union of the
source kinds' specs), and reading it from YAML with errors that name the file and field
(``loading``)."""

from sketchdata.fields import BinarizeSpec, EffectSpec, FieldProblem, RecipeError
from sketchdata.recipe.loading import MAX_RECIPE_BYTES, MAX_RECIPE_VALUES, load_recipe, parse_recipe, recipe_schema
from sketchdata.recipe.model import Geometry, Output, Patches, Preprocess, Recipe, Splits, Teacher, recipe_model
from sketchdata.sources.spec import MAX_PLAN_SAMPLES, SourceSpec

__all__ = ["BinarizeSpec", "EffectSpec", "FieldProblem", "Geometry", "MAX_PLAN_SAMPLES", "MAX_RECIPE_BYTES",
           "MAX_RECIPE_VALUES", "Output", "Patches", "Preprocess", "Recipe", "RecipeError", "SourceSpec", "Splits",
           "Teacher", "load_recipe", "parse_recipe", "recipe_model", "recipe_schema"]
