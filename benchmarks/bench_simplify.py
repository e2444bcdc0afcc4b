"""Benchmark: the fast inference path against a plain fp32 eager run, and a large scan.

    .venv/bin/python benchmarks/bench_simplify.py [--model CKPT_OR_RELEASED.pth] [--size 512]
    .venv/bin/python benchmarks/bench_simplify.py --large 6000x8000      # peak memory on a big scan
    .venv/bin/python benchmarks/bench_simplify.py --folder --repeats 2   # whole process, 4 scans, vs the plain baseline

Without --model the full-width network is built with random weights whose batch-norm
statistics are measured on drawings (and a strong last layer), so its output has structure to
compare; pass the authors' released weights or a checkpoint for the real thing.
Prints, for the same image in the same process: plain fp32 eager seconds (batch norm as
separate layers, torch.no_grad, as the authors' script runs), fast-path seconds (batch norm
folded, inference mode, bf16 autocast), their ratio, achieved GFLOP/s against the machine's
measured fp32 matrix-multiply rate, and the F-measure at 1 px between the two outputs.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import torch

from sketchdata.drawing.shapes import procedural_line_art
from sketchtrain.inference.runner import Simplifier, load_model
from sketchtrain.evaluation.metrics import score
from sketchtrain.models.registry import model_config
from sketchtrain.models.fcn import SimplifyNet, fold_batchnorm, forward_flops


def matmul_rate() -> float:
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    start = time.perf_counter()
    for _ in range(5):
        a @ b
    return 5 * 2 * 2048**3 / (time.perf_counter() - start) / 1e9


def calibrated_full_network() -> SimplifyNet:
    torch.manual_seed(0)
    model = SimplifyNet(model_config("full"))
    drawings = torch.from_numpy(np.stack([procedural_line_art((128, 128), np.random.default_rng(i))
                                          for i in range(4)]))[:, None]
    model.train()
    with torch.no_grad():
        model(drawings)
        model.blocks[-1][0].weight *= 20
    return model.eval()


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def compare(args) -> None:
    if args.model:
        fast_model, info = load_model(args.model, args.constants)
        plain_model = fast_model  # a released file is already folded: plain = same weights in fp32 eager
        if info["kind"] == "checkpoint":
            from sketchtrain.models.checkpoint import load_checkpoint, model_from_checkpoint
            plain_model = model_from_checkpoint(load_checkpoint(args.model))
        width = info.get("width") or model_config(info["variant"]).width
    else:
        plain_model = calibrated_full_network()
        fast_model = fold_batchnorm(plain_model)
        width = 1.0
    image = procedural_line_art((args.size, args.size), np.random.default_rng(1))
    x = torch.from_numpy(image)[None, None]

    def plain():
        with torch.no_grad():
            return plain_model(x)[0, 0].numpy()

    simplifier = Simplifier(fast_model, precision="bf16")
    plain()  # warm-up
    simplifier.run_padded(image)
    t_plain = best_of(plain, args.repeats)
    t_fast = best_of(lambda: simplifier.run_padded(image), args.repeats)
    flops = forward_flops(width, args.size, args.size)
    rate = matmul_rate()
    agreement = score(simplifier.run_padded(image), plain(), tol_px=1)
    print(f"network width {width:g}, {args.size}x{args.size}, {torch.get_num_threads()} threads, "
          f"{flops / 1e9:.0f} GFLOP per pass")
    print(f"  plain fp32 eager (BN unfolded, no_grad): {t_plain:.3f} s  ({flops / t_plain / 1e9:.0f} GFLOP/s)")
    print(f"  fast path (BN folded, inference_mode, bf16): {t_fast:.3f} s  ({flops / t_fast / 1e9:.0f} GFLOP/s)")
    print(f"  speed-up: {t_plain / t_fast:.2f}x")
    print(f"  machine fp32 matmul rate: {rate:.0f} GFLOP/s -> plain at {100 * flops / t_plain / 1e9 / rate:.0f}%, "
          f"fast at {100 * flops / t_fast / 1e9 / rate:.0f}% of it")
    if agreement.get("blank"):
        print(f"  agreement: blank ({agreement['blank_reason']})")
    else:
        print(f"  agreement fast vs plain: F@1px {agreement['f']:.4f} (P {agreement['precision']:.4f}, "
              f"R {agreement['recall']:.4f})")


def large(args) -> None:
    h, w = (int(v) for v in args.large.lower().split("x"))
    model = fold_batchnorm(calibrated_full_network()) if not args.model else load_model(args.model, args.constants)[0]
    # a big "scan": the bundled generator at 1/4 size, upscaled (keeps the set-up fast)
    import cv2
    small = procedural_line_art((h // 4, w // 4), np.random.default_rng(0))
    image = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    out = Simplifier(model, precision="auto").simplify(image)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{w}x{h} ({h * w / 1e6:.0f} MP) through width {model.config.width if model.config else '?'}: "
          f"{seconds:.0f} s, peak RSS {peak:.0f} MiB (before the run {base:.0f} MiB), output {out.shape[::-1]}")


PLAIN_SCRIPT = """
# The baseline: one plain Python process as the authors' script runs their weights: the released
# nn.Sequential, fp32, eager, no_grad, one image after another (PIL in, PIL out).
import sys
from pathlib import Path
import numpy as np
import torch
from PIL import Image
from torch import nn

LAYERS = %(layers)r
MEAN, STD = %(mean)r, %(std)r
layers = []
for i, (kind, cin, cout, k, s) in enumerate(LAYERS):
    layers.append(nn.ConvTranspose2d(cin, cout, k, stride=s, padding=1) if kind == "up"
                  else nn.Conv2d(cin, cout, k, stride=s, padding=k // 2))
    layers.append(nn.Sigmoid() if i == len(LAYERS) - 1 else nn.ReLU())
model = nn.Sequential(*layers)
model.load_state_dict(torch.load(sys.argv[1], weights_only=True))
model.eval()
out = Path(sys.argv[3])
out.mkdir(parents=True, exist_ok=True)
for path in sorted(Path(sys.argv[2]).glob("*.png")):
    data = np.asarray(Image.open(path).convert("L"), dtype=np.float32) / 255.0
    h, w = data.shape
    x = torch.from_numpy(data)[None, None]
    x = torch.nn.functional.pad(x, (0, (-w) %% 8, 0, (-h) %% 8), mode="replicate")
    with torch.no_grad():
        y = model((x - MEAN) / STD)[0, 0, :h, :w].numpy()
    Image.fromarray((np.clip(y, 0, 1) * 255).round().astype(np.uint8)).save(out / path.name)
"""


def whole_process(args) -> None:
    """A folder of 4 scans of 650x650 through the full-width network: `sketchtrain simplify` as a
    user runs it, against the plain baseline process, both timed from start to exit, alternating."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from sketchdata.effects.rough import rough_sketch
    from sketchdata.image.io import load_grey, save_png
    from sketchtrain.models.fcn import RELEASED_LAYERS, RELEASED_NORMALISATION

    folder = Path(tempfile.mkdtemp(prefix="bench_folder_"))
    weights = folder / "model_mse.pth"
    torch.save(fold_batchnorm(calibrated_full_network()).layers.state_dict(), weights)
    for i in range(4):
        rng = np.random.default_rng(i)
        save_png(folder / "scans" / f"scan{i}.png", rough_sketch(procedural_line_art((650, 650), rng), 0.7, rng))
    mean, std = RELEASED_NORMALISATION["mse"]
    (folder / "plain.py").write_text(PLAIN_SCRIPT % {"layers": RELEASED_LAYERS, "mean": mean, "std": std})
    # the same weights as an OpenVINO IR: a one-time conversion (timed apart), like installing
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sketchtrain", "export", "--model", str(weights), "-o",
                    str(folder / "model.xml")], check=True, capture_output=True)
    export_seconds = time.perf_counter() - start
    simplify = [sys.executable, "-m", "sketchtrain", "simplify", str(folder / "scans"), "--scale", "1", "-q"]
    commands = {
        "plain baseline process": [sys.executable, str(folder / "plain.py"), str(weights), str(folder / "scans"),
                                   str(folder / "out_plain")],
        "sketchtrain simplify": simplify + ["-o", str(folder / "out_fast"), "--model", str(weights)],
        "sketchtrain simplify, OpenVINO IR": simplify + ["-o", str(folder / "out_openvino"), "--model",
                                                         str(folder / "model.xml")],
    }
    times: dict[str, float] = {}
    for _ in range(args.repeats):  # alternate, so the shared machine's noise hits both
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times[name] = min(times.get(name, float("inf")), time.perf_counter() - start)
    plain, fast, ov = (times[name] for name in commands)
    print(f"whole process, 4 scans of 650x650, full-width network, {torch.get_num_threads()} threads, best of "
          f"{args.repeats}:")
    print(f"  plain baseline process (fp32 eager nn.Sequential, no_grad): {plain:.2f} s")
    print(f"  sketchtrain simplify (--scale 1): {fast:.2f} s ({plain / fast:.2f}x)")
    print(f"  sketchtrain simplify with the OpenVINO IR of the same weights: {ov:.2f} s ({plain / ov:.2f}x); "
          f"exporting it once took {export_seconds:.1f} s")
    outputs = [[load_grey(path) for path in sorted((folder / name).glob("*.png"))]
               for name in ("out_plain", "out_fast", "out_openvino")]
    for label, out in (("PyTorch fast path", outputs[1]), ("OpenVINO", outputs[2])):
        worst = max(round(float(np.abs(a - b).max()) * 255) for a, b in zip(outputs[0], out))
        print(f"  {label} output against the plain baseline's: largest pixel difference {worst}/255")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    print(f"  of which `import torch` alone: {time.perf_counter() - start:.2f} s per process")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--constants")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large", help="WxH... e.g. 6000x8000 (height x width): peak memory of a big scan")
    parser.add_argument("--folder", action="store_true", help="the whole-process figure: a folder of 4 scans")
    args = parser.parse_args()
    if args.folder:
        whole_process(args)
        compare(args)  # the network-only figure beside it
    else:
        large(args) if args.large else compare(args)


if __name__ == "__main__":
    main()
