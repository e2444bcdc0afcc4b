"""`sketchtrain` command line: each command parses options and calls one library function."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sketchtrain.inference.simplify import SimplifyOptions
from sketchtrain.training.config import FitConfig
from sketchtrain.cli_options import options_command
from sketchtrain.console import FitProgress, err_console, make_console, one_line, print_error, print_skipped, tagged

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Train, evaluate and run rough-sketch simplification networks.")
console = make_console()
VIEWS_HELP = "Test-time augmentation: average 1, 2, 4 or 8 rotated/mirrored views (that many times slower)."


@app.callback()
def main() -> None:
    """Train, evaluate and run rough-sketch simplification networks."""


def _fail(message: str, code: int = 2) -> None:
    print_error(message)
    raise typer.Exit(code)


MODEL_HELP = ("Checkpoint (.pt) or the authors' released weights (.pth); default: the model shipped with "
              "the package (README, model card).")
SCALE_HELP = ("auto (match the input's line width to the model's) or a number: run at this scale and bring "
              "back (0.5 simplifies more, 2 keeps finer detail).")


def _model_and_rest(model: Optional[Path], positionals: list[Path], command: str,
                    min_rest: int) -> tuple[Optional[Path], list[Path]]:
    """--model, or the older form with the model as first positional argument (a weights file
    is told apart from images by its suffix), with a deprecation note."""
    from sketchtrain.inference.default_model import looks_like_model

    if model is None and len(positionals) > min_rest and looks_like_model(positionals[0]):
        print_skipped(f"`sketchtrain {command} MODEL ...` is deprecated: write `--model {positionals[0]}`",
                      tag="note:")
        return positionals[0], positionals[1:]
    return model, positionals


def fit(quiet: bool = False, **options) -> None:
    """Train the simplification network on shards (ADADELTA, weighted MSE, bf16; --adversarial)."""
    from sketchtrain.errors import CheckpointError
    from sketchtrain.training.data import DataError
    from sketchtrain.training.loop import TrainingStopped, fit as fit_fn
    from sketchdata.shards.dataset import DatasetError

    try:
        cfg = FitConfig(**{name: str(value) if isinstance(value, Path) else value for name, value in options.items()})
        with FitProgress(quiet) as progress:
            result = fit_fn(cfg, on_event=progress)
    except TrainingStopped:
        raise typer.Exit(3)
    except (DataError, DatasetError, CheckpointError, ValueError, OSError, ImportError) as exc:
        _fail(str(exc))
    if not result.is_main:
        return
    if result.steps_trained == 0:
        console.print(f"{result.out}: already at step {result.step} of --steps {cfg.steps}: nothing to train "
                      "(raise --steps to continue it)")
        return
    first = f"{result.first_val_loss:.5f}" if result.first_val_loss is not None else "n/a"
    last = f"{result.last_val_loss:.5f}" if result.last_val_loss is not None else "n/a"
    skipped = f"; {len(result.skipped)} unreadable shards/samples skipped" if result.skipped else ""
    console.print(f"{result.out}: step {result.step}; validation loss {first} -> {last}; "
                  f"{result.samples_per_s:.1f} samples/s; checkpoints last.pt, best.pt; curve loss.png{skipped}")



app.command("fit")(options_command(fit, FitConfig, quiet=typer.Option(False, "--quiet", "-q")))

@app.command()
def simplify(
    inputs: list[Path] = typer.Argument(..., help="Image files and/or folders (recursive)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (names kept, .png; see README for clashes)."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    scale: str = typer.Option(str(SimplifyOptions.scale), help=SCALE_HELP),
    binarize: bool = typer.Option(False, "--binarize", help="Black and white output (Otsu, or --threshold)."),
    threshold: Optional[float] = typer.Option(None, help="Binarisation / tracing threshold in [0, 1]."),
    svg: bool = typer.Option(False, "--svg", help="Also write an SVG traced with the Potrace algorithm."),
    constants: Optional[str] = typer.Option(None, help="Released weights' normalisation: gan|mse|pencil1|pencil2|MEAN,STD."),
    precision: str = typer.Option(SimplifyOptions.precision, help="auto (bf16 where the CPU has it) | bf16 | fp32."),
    device: str = typer.Option(SimplifyOptions.device, help="auto | cpu | cuda."),
    tile: int = typer.Option(SimplifyOptions.tile, help="Tile side for large images (multiple of the network's "
                             "stride: 8 fcn, 16 unet)."),
    margin: int = typer.Option(SimplifyOptions.margin, help="Context around each tile (multiple of the stride); "
                               "never less than the network's receptive radius."),
    tile_pixels: int = typer.Option(SimplifyOptions.tile_pixels, help="Images above this many pixels run in tiles."),
    views: int = typer.Option(SimplifyOptions.views, help=VIEWS_HELP),
    max_pixels: int = typer.Option(SimplifyOptions.max_pixels, help="Refuse images above this many pixels "
                                   "(read from the header, before decoding)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing files in OUT that simplify did not "
                                   "write (never an input)."),
    despeckle: int = typer.Option(SimplifyOptions.despeckle, metavar="AREA", help="Remove isolated marks of at most "
                                  "AREA pixels from the output (paper grain left as dots); 0: off. 8 suits scans "
                                  "at their own size; larger also takes small real marks (README)."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
):
    """Simplify rough sketches of any size (bounded memory), optionally binarised and as SVG."""
    from sketchtrain.errors import CheckpointError
    from sketchtrain.inference.simplify import parse_scale, simplify_paths

    model, inputs = _model_and_rest(model, inputs, "simplify", 1)

    def show(record: dict) -> None:
        if "reason" in record:
            err_console.print(tagged("failed", "red", f"{record['input']}: {record['reason']}"))
        elif not quiet:
            console.print(one_line(f"{record['input']} -> {record['output']} (scale {record['scale']:g}, "
                                   f"{record['seconds']:.2f}s)"))

    try:
        options = SimplifyOptions(scale=parse_scale(scale), binarize=binarize, threshold=threshold, svg=svg,
                                  precision=precision, device=device, tile=tile, margin=margin,
                                  tile_pixels=tile_pixels, constants=constants, views=views, max_pixels=max_pixels,
                                  overwrite=overwrite, despeckle=despeckle)
        report = simplify_paths(model, inputs, out, options, on_file=show)
    except (CheckpointError, ValueError, OSError) as exc:
        _fail(str(exc))
    console.print(f"{len(report.written)} simplified into {out}, {len(report.failed)} failed")
    if report.failed:
        raise typer.Exit(1)


@app.command()
def export(
    legacy_model: Optional[Path] = typer.Argument(None, metavar="[MODEL]", help="Deprecated: use --model."),
    out: Path = typer.Option(..., "--out", "-o", help="model.onnx, model.pt (TorchScript), model.safetensors or "
                             "model.xml (OpenVINO IR, .bin beside it)."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    constants: Optional[str] = typer.Option(None, help="Released weights' normalisation (see simplify)."),
    format: Optional[str] = typer.Option(None, "--format", help="onnx | torchscript | safetensors | openvino (default: from "
                                         "the file name's suffix)."),
):
    """Export to ONNX (checked with onnxruntime), TorchScript, safetensors or OpenVINO IR; verified against PyTorch."""
    from sketchtrain.errors import CheckpointError
    from sketchtrain.inference.export import ExportError, export_model

    try:
        if legacy_model is not None:
            if model is not None:
                _fail("give the model once: --model PATH")
            model, _ = _model_and_rest(None, [legacy_model, legacy_model], "export", 1)
            model = legacy_model
        report = export_model(model, out, constants, format=format)
    except (CheckpointError, ExportError, ValueError, ImportError, OSError) as exc:
        _fail(str(exc))
    console.print(f"wrote {report['output']}: max |exported - pytorch| = {report['max_abs_diff']:.2e} "
                  f"({report['checked_with']})")


@app.command()
def score(
    clean: Path = typer.Argument(..., help="Reference clean drawing."),
    output: Path = typer.Argument(..., help="Cleaned output to score."),
    tol_px: Optional[float] = typer.Option(None, "--tol-px", help="Tolerance in pixels."),
    tol_permille: Optional[float] = typer.Option(None, "--tol-permille",
                                                 help="Tolerance in thousandths of the long edge (benchmark unit)."),
):
    """Benchmark metrics for one pair, as JSON (precision, recall, f, chamfer, hausdorff, mse, psnr, ssim)."""
    import json

    from sketchdata.image.io import BadInput
    from sketchtrain.evaluation.report import json_safe
    from sketchtrain.evaluation.metrics import score_files

    try:
        result = score_files(clean, output, tol_px, tol_permille)
    except (BadInput, ValueError) as exc:
        _fail(str(exc))
    print(json.dumps(json_safe(result), indent=1, allow_nan=False))


@app.command()
def evaluate(
    data: list[Path] = typer.Argument(..., metavar="DATA", help="Dataset folder (validation split) or a folder "
                                      "with rough/ and clean/."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    out: Path = typer.Option(Path("eval"), "--out", "-o", help="Report folder (summary.json, per_image.csv, report.html)."),
    tol_px: Optional[float] = typer.Option(None, "--tol-px", help="Tolerance in pixels (default 1)."),
    tol_permille: Optional[float] = typer.Option(None, "--tol-permille", help="Tolerance in thousandths of the long edge."),
    split: str = typer.Option("validation", help="Which split of a dataset."),
    max_samples: Optional[int] = typer.Option(None, help="Evaluate at most this many pairs."),
    no_baselines: bool = typer.Option(False, "--no-baselines", help="Score the model only."),
    scale: str = typer.Option("auto", help=SCALE_HELP),
    views: int = typer.Option(1, help=VIEWS_HELP),
    despeckle: int = typer.Option(0, metavar="AREA", help="As simplify --despeckle: score the model's output with "
                                  "isolated marks of at most AREA pixels removed; 0: off."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
):
    """Score a model and the baselines with the benchmark metrics; table, JSON/CSV and an HTML report."""
    from rich.table import Table

    from sketchdata.shards.dataset import DatasetError
    from sketchdata.image.io import BadInput
    from sketchtrain.errors import CheckpointError
    from sketchtrain.evaluation.evaluate import EvalOptions, EvaluationError, evaluate as evaluate_fn
    from sketchtrain.evaluation.report import summary_table_rows

    from sketchtrain.inference.simplify import parse_scale

    model, rest = _model_and_rest(model, data, "evaluate", 1)
    if len(rest) != 1:
        _fail(f"give one DATA folder, got {len(rest)}: {', '.join(map(str, rest))}")
    data = rest[0]
    try:
        options = EvalOptions(tol_px=tol_px, tol_permille=tol_permille, split=split, max_samples=max_samples,
                              baselines=not no_baselines, scale=parse_scale(scale), views=views,
                              despeckle=despeckle)
        report = evaluate_fn(model, data, out, options)
    except (EvaluationError, DatasetError, CheckpointError, BadInput, ValueError, OSError) as exc:
        _fail(str(exc))
    table = Table(title=f"{report.count} pairs, tolerance {report.tolerance}", padding=(0, 1))
    for col in ("method", "P", "R", "F", "Chamfer", "Hausd.", "MSE", "PSNR", "SSIM", "blank"):
        table.add_column(col, justify="left" if col == "method" else "right", no_wrap=True)
    for row in summary_table_rows(report):
        table.add_row(*row)
    if not quiet:  # never squeeze numbers into "0.…" on narrow or piped output
        make_console(width=max(console.width, 118)).print(table)
        console.print("means over the pairs each method was scored on; blank = output or reference without "
                      "any stroke pixel (no benchmark numbers, left out of that method's means)")
    for item in report.dropped:
        print_skipped(f"{item['name']}: {item['reason']}", tag="dropped")
    if report.dropped:
        console.print(f"{len(report.dropped)} pairs dropped (listed above and in summary.json)")
    console.print(f"report: {Path(report.out_dir) / 'report.html'}")


@app.command()
def sheet(
    inputs: list[Path] = typer.Argument(..., help="Real rough sketches (files or folders), no ground truth needed."),
    out: Path = typer.Option(Path("sheet.png"), "--out", "-o"),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    scale: str = typer.Option("auto", help=SCALE_HELP),
    constants: Optional[str] = typer.Option(None, help="Released weights' normalisation (see simplify)."),
):
    """Side-by-side sheet: input | model | Otsu threshold | Sauvola, one row per sketch."""
    from sketchdata.image.io import BadInput
    from sketchtrain.errors import CheckpointError
    from sketchtrain.evaluation.sheet import comparison_sheet

    from sketchtrain.inference.simplify import parse_scale

    model, inputs = _model_and_rest(model, inputs, "sheet", 1)
    try:
        result = comparison_sheet(model, inputs, out, parse_scale(scale), constants=constants)
    except (BadInput, CheckpointError, ValueError, OSError) as exc:
        _fail(str(exc))
    for s in result["skipped"]:
        print_skipped(f"{s['path']}: {s['reason']}")
    scales = ", ".join(f"{Path(k).name} {v:g}" for k, v in result["scales"].items())
    console.print(f"wrote {out}: {result['rows']} rows ({' | '.join(result['columns'])}); scales: {scales}")


@app.command("app")
def app_command(
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="One weights file to offer (default: the shipped model)."),
    models: Optional[Path] = typer.Option(None, "--models", help="A folder of checkpoints / released weights to choose from."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on (127.0.0.1: this computer only; 0.0.0.0: "
                             "every network, answering to this machine's own names and addresses)."),
    port: int = typer.Option(8765, help="Port."),
    max_pixels: int = typer.Option(50_000_000, min=1, help="Refuse images above this many pixels (read from the "
                                   "header; `simplify` takes larger ones)."),
    allow_host: list[str] = typer.Option([], "--allow-host", help="Another host name the page may be opened by "
                                         "(a reverse proxy's, say); repeatable."),
):
    """A local web page to clean sketches: drop images, pick a model and settings, download PNG / SVG / zip."""
    from sketchtrain.app.server import missing_extra, serve
    from sketchtrain.app.jobs import AppError
    from sketchtrain.errors import CheckpointError

    problem = missing_extra()
    if problem:
        _fail(problem)
    try:
        serve(model, models, host, port, max_pixels, allow_hosts=tuple(allow_host),
              on_ready=lambda url: console.print(f"sketchtrain app: open {url} (Ctrl+C stops it)"))
    except (AppError, CheckpointError) as exc:
        _fail(str(exc))


@app.command()
def release(
    checkpoint: Path = typer.Argument(..., help="The training checkpoint to ship (a run's best.pt)."),
    out: Path = typer.Option(..., "--out", "-o", help="The slim checkpoint to write (.pt)."),
    levels_from: Optional[Path] = typer.Option(None, "--levels-from", help="Dataset whose validation split sets the "
                                               "output levels (README, model card); default: no levels."),
    note: list[str] = typer.Option([], "--note", help="KEY=VALUE stored in the checkpoint's `shipped` record "
                                   "(recipe, run, ...); repeatable."),
    scale_rule: Optional[str] = typer.Option(None, "--scale-rule", help="How --scale auto reads an input's line "
                                             "width with this model: median | lines (README); default: the "
                                             "checkpoint's own."),
):
    """Write a checkpoint to ship: float16 weights, no optimiser state, output levels set on a validation split."""
    from sketchtrain.errors import CheckpointError
    from sketchtrain.release import save_slim
    from sketchdata.files import OverwriteRefused, refuse_overwriting
    from sketchdata.shards.dataset import DatasetError

    record = dict(item.split("=", 1) for item in note if "=" in item)
    bad = [item for item in note if "=" not in item]
    if bad:
        _fail(f"--note takes KEY=VALUE, got {bad[0]!r}")
    try:
        refuse_overwriting([out], [checkpoint], "choose another --out")
        slim = save_slim(checkpoint, out, record, levels_from=levels_from, scale_rule=scale_rule)
    except (CheckpointError, DatasetError, OverwriteRefused, ValueError, OSError) as exc:
        _fail(str(exc))
    levels = slim["shipped"].get("output_levels")
    console.print(f"wrote {out} (step {slim['step']}{f'; output levels {levels}' if levels else ''})")


@app.command()
def architectures() -> None:
    """The registered architectures and their variants: stride, parameters, GFLOP per megapixel."""
    from rich.table import Table

    from sketchtrain.models.registry import describe_architectures

    table = Table(padding=(0, 1))
    for col in ("arch", "variant", "stride", "parameters", "GFLOP/MP", "about"):
        table.add_column(col, justify="right" if col in ("stride", "parameters", "GFLOP/MP") else "left")
    for row in describe_architectures():
        variant = row["variant"] + (" (default)" if row["default"] else "")
        table.add_row(row["arch"], variant, str(row["stride"]), f"{row['parameters']:,}", f"{row['gflop_per_mp']:.1f}",
                      row["summary"] if row["default"] else "")
    make_console(width=max(console.width, 120)).print(table)
