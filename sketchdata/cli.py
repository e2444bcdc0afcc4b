"""`sketchdata` command line: each command parses options and calls one library function."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from sketchdata.shards.augment import augment as augment_fn
from sketchdata.shards.build import BuildError, build_dataset, parse_part
from sketchdata.console import BuildProgress, make_console, print_error, print_skipped
from sketchdata.shards.dataset import DatasetError, skip_location
from sketchdata.files import OverwriteRefused
from sketchdata.effects import EFFECTS
from sketchdata.image.io import BadInput
from sketchdata.recipe import RecipeError, load_recipe

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Inverse dataset generation for rough-sketch simplification.")
console = make_console()


def _fail(message: str, code: int = 2) -> None:
    print_error(message)
    raise typer.Exit(code)


def _range(text: str) -> tuple[float, float]:
    parts = [float(v) for v in text.replace(":", ",").split(",")]
    return (parts[0], parts[0]) if len(parts) == 1 else (parts[0], parts[1])


@app.command()
def build(
    recipe: Path = typer.Option(..., "--recipe", "-r", help="Recipe YAML file."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (overrides output.dir)."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Local worker processes."),
    part: str = typer.Option("0/1", "--part", help="Build share I of N (for N machines): I/N."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar; print only the summary line."),
):
    """Build (or resume) a WebDataset shard dataset from a recipe."""
    try:
        spec = load_recipe(recipe)
        with BuildProgress(quiet) as progress:
            report = build_dataset(spec, out, workers=workers, part=parse_part(part), on_event=progress)
    except (RecipeError, BuildError, DatasetError, OverwriteRefused, OSError) as exc:
        _fail(str(exc))
    skipped = f", {len(report.skipped)} inputs skipped (see manifest.json)" if report.skipped else ""
    state = "complete" if report.complete else "partial (other parts still to build)"
    console.print(f"{report.out_dir}: {state}; samples {report.samples}; built {report.shards_built} shards "
                  f"({report.shards_skipped_existing} already done) in {report.seconds:.1f}s, "
                  f"{report.samples_per_s:.1f} samples/s{skipped}")


@app.command()
def init(directory: Path = typer.Argument(..., help="Folder for the starter project (created; must not hold its files).")):
    """Write a starter recipe and a few drawings into DIRECTORY (works from an installed wheel)."""
    from sketchdata.starter import init_project

    try:
        written = init_project(directory)
    except (FileExistsError, OSError) as exc:
        _fail(str(exc))
    console.print(f"wrote {len(written)} files into {directory}; next: "
                  f"sketchdata build --recipe {directory / 'recipe.yaml'}")


@app.command()
def schema(out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write here instead of printing.")):
    """The JSON Schema of recipe files, for editors that check and complete YAML."""
    from sketchdata.files import atomic_write_bytes
    from sketchdata.recipe import recipe_schema

    text = json.dumps(recipe_schema(), indent=1) + "\n"
    if out is None:
        print(text, end="")
        return
    try:
        atomic_write_bytes(out, text.encode())
    except OSError as exc:
        _fail(str(exc))
    console.print(f"wrote {out}")


@app.command()
def preview(
    dataset: Optional[Path] = typer.Argument(None, help="Dataset folder (not needed with --effects)."),
    out: Path = typer.Option(Path("preview.png"), "--out", "-o", help="PNG to write."),
    count: int = typer.Option(12, "--count", "-n", min=1, help="Pairs to show."),
    split: str = typer.Option("train", "--split", help="train | validation | unpaired_rough | unpaired_line."),
    seed: int = typer.Option(0, "--seed"),
    effects: bool = typer.Option(False, "--effects", help="Render every effect at strengths 0..1 instead."),
    image: Optional[Path] = typer.Option(None, "--image", help="Clean drawing for --effects (default: a procedural one)."),
):
    """Contact sheet of (input | target) pairs, or with --effects a gallery of every effect."""
    from sketchdata.preview import contact_sheet, effects_gallery_of

    try:
        if effects:
            rows = effects_gallery_of(image, out, seed=seed)
            console.print(f"wrote {out}: rows {', '.join(rows)}; columns strength 0, 0.25, 0.5, 0.75, 1")
        else:
            if dataset is None:
                _fail("give a DATASET folder, or --effects")
            skipped: list[dict] = []
            shown = contact_sheet(dataset, out, count=count, split=split, seed=seed, skipped=skipped)
            for record in skipped:
                print_skipped(f"{skip_location(record)}: {record['reason']}", tag="unreadable")
            what = {"unpaired_rough": "unpaired rough sketches", "unpaired_line": "unpaired line drawings"}.get(
                split, "(input | target) pairs")
            console.print(f"wrote {out}: {shown} {what} from {split}")
    except (DatasetError, BadInput, ValueError, OSError) as exc:
        _fail(str(exc))


@app.command()
def inspect(
    dataset: Path = typer.Argument(..., help="Dataset folder."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
):
    """Counts and pixel statistics of a dataset."""
    from sketchdata.preview import dataset_stats

    try:
        stats = dataset_stats(dataset)
    except DatasetError as exc:
        _fail(str(exc))
    if as_json:
        console.print_json(json.dumps(stats))
        return
    table = Table(title=f"{stats['name']} ({'complete' if stats['complete'] else 'INCOMPLETE'})")
    for col in ("split", "shards", "samples", "MB", "input mean", "input std", "target ink", "sizes"):
        table.add_column(col)
    for split, s in stats["splits"].items():
        shown = lambda value: "-" if value is None else str(value)  # noqa: E731  (unpaired sets lack one image)
        table.add_row(split, str(s["shards"]), str(s["samples"]), f"{s['bytes'] / 1e6:.1f}", shown(s["input_mean"]),
                      shown(s["input_std"]), shown(s["target_ink_fraction"]), ", ".join(s["sizes"]))
    console.print(table)
    console.print(f"effects applied: {stats['effects_applied']}; inputs skipped: {stats['skipped']}")
    for record in stats["unreadable"]:
        print_skipped(f"{skip_location(record)}: {record['reason']}", tag="unreadable")
    if stats["unreadable"]:
        console.print(f"{len(stats['unreadable'])} unreadable shards/samples left out of the statistics")


@app.command()
def augment(
    src: Path = typer.Argument(..., help="Folder of clean images, or a dataset folder."),
    out: Path = typer.Argument(..., help="Output folder."),
    noise: str = typer.Option(..., "--noise", help=f"Effect: {' | '.join(EFFECTS)}."),
    strength: str = typer.Option("0.5", "--strength", help="Strength in [0, 1], or a range LOW,HIGH."),
    seed: int = typer.Option(0, "--seed"),
):
    """Apply one effect to a folder of images (-> rough/ + clean/ pairs) or to a dataset (-> new dataset)."""
    try:
        report = augment_fn(src, out, noise, _range(strength), seed)
    except (BadInput, DatasetError, ValueError, OSError) as exc:
        _fail(str(exc))
    console.print(f"{out}: {report.written} written, {report.existing} already there, {len(report.skipped)} skipped")
    for s in report.skipped:
        print_skipped(f"{s.get('path')} {s.get('key', '')}: {s['reason']}")
