"""Classifier two-sample test: can a small CNN tell synthetic rough inputs from real scans?

    .venv/bin/python benchmarks/realism.py --dataset datasets/default_model [--clean] \
        [--scans ../shared/data/rough] [--out out/realism]

Protocol (fixed before any tuning; issue 13):
- Real patches: 128x128 windows (stride 32) of the *tuning* half of the scans
  (benchmarks/real/scans_split.json) at their own scale, kept when at least 2% of the window is
  ink (sketchdata.image.linewidth.ink_mask).
- Synthetic patches: 128x128 windows of the dataset's training inputs (``--clean``: its
  targets, the sanity check that the test can see a difference), same ink rule, as many as
  there are real patches, at most 4 per drawing.
- 4-fold cross-validation split by drawing: real scans grouped by drawing (the split file's
  groups: one artist's series counts as one drawing), synthetic patches by source drawing;
  each fold trains on three folds and tests on the fourth. Classes are balanced in every
  training fold by weighting.
- Classifier: 4 conv layers (16-32-64-64 channels, stride 2, batch norm, ReLU), global average
  pooling, one linear output; Adam 1e-3, 30 epochs, batch 32, random flips and 90-degree turns;
  each patch is standardised (its own mean and std) so paper brightness alone cannot decide.
- Reported: balanced accuracy of the held-out predictions pooled over the folds (0.5 =
  indistinguishable), averaged over 3 seeds (each seed draws its own folds, synthetic patches
  and initial weights: one seed alone varied by +-0.07 here), and a sheet of the synthetic
  patches the classifier was surest about (most "synthetic").
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from sketchdata.shards.dataset import iter_samples, shard_paths
from sketchdata.image.io import load_grey, save_png
from sketchdata.image.linewidth import ink_mask
from sketchdata.preview import grid

SPLIT = Path(__file__).resolve().parent / "real" / "scans_split.json"
PATCH, STRIDE, MIN_INK, PER_DRAWING = 128, 32, 0.02, 4
# one artist's series of one drawing style counts as one group, so a fold never tests on a
# drawing whose sibling it trained on
GROUPS = {"fig01_eisaku.png": "eisaku", "fig16_eisaku.png": "eisaku", "fig06_eisaku_robo.png": "robo",
          "fig12_imori.png": "imori", "fig14_imori.png": "imori", "fig12_shikaku.png": "shikaku",
          "fig15_joshi.png": "joshi", "test.png": "test"}


def windows(image: np.ndarray) -> list[np.ndarray]:
    h, w = image.shape
    if h < PATCH or w < PATCH:  # small scans: pad with paper to one window
        pad = np.full((max(h, PATCH), max(w, PATCH)), float(np.percentile(image, 90)), np.float32)
        pad[:h, :w] = image
        image, (h, w) = pad, pad.shape
    ink = ink_mask(image)
    out = []
    for y in range(0, h - PATCH + 1, STRIDE):
        for x in range(0, w - PATCH + 1, STRIDE):
            if ink[y : y + PATCH, x : x + PATCH].mean() >= MIN_INK:
                out.append(image[y : y + PATCH, x : x + PATCH])
    return out


def real_patches(scans: Path) -> tuple[list[np.ndarray], list[str]]:
    patches, groups = [], []
    for name in json.loads(SPLIT.read_text())["tuning"]:
        for p in windows(load_grey(scans / name)):
            patches.append(p)
            groups.append("real:" + GROUPS[name])
    return patches, groups


def synthetic_patches(dataset: Path, count: int, clean: bool, seed: int) -> tuple[list[np.ndarray], list[str]]:
    rng = np.random.default_rng(seed)
    patches, groups, per = [], [], {}
    for _, inp, tgt, meta in iter_samples(shard_paths(dataset, "train"), skipped=[]):
        drawing = str(meta.get("source_id", meta.get("source", "?")))
        if per.get(drawing, 0) >= PER_DRAWING:
            continue
        found = windows(tgt if clean else inp)
        if not found:
            continue
        patches.append(found[int(rng.integers(len(found)))])
        groups.append("synthetic:" + drawing)
        per[drawing] = per.get(drawing, 0) + 1
        if len(patches) >= count:
            break
    return patches, groups


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        layers, cin = [], 1
        for cout in (16, 32, 64, 64):
            layers += [nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(cin, 1)

    def forward(self, x):
        return self.head(self.features(x).mean(dim=(2, 3)))[:, 0]


def standardise(batch: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(batch).float()[:, None]
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = x.std(dim=(2, 3), keepdim=True).clamp_min(1e-3)
    return (x - mean) / std


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    k = int(torch.randint(0, 4, (1,), generator=gen))
    x = torch.rot90(x, k, dims=(2, 3))
    return torch.flip(x, dims=(3,)) if torch.rand(1, generator=gen) < 0.5 else x


def fold_assignment(groups: list[str], folds: int, seed: int) -> np.ndarray:
    """Each group (drawing) to one fold, real and synthetic groups spread separately."""
    rng = np.random.default_rng(seed)
    out = np.zeros(len(groups), int)
    for prefix in ("real:", "synthetic:"):
        names = sorted({g for g in groups if g.startswith(prefix)})
        order = rng.permutation(len(names))
        fold_of = {names[i]: k % folds for k, i in enumerate(order)}
        for i, g in enumerate(groups):
            if g.startswith(prefix):
                out[i] = fold_of[g]
    return out


def run_fold(x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, seed: int,
             epochs: int = 30) -> np.ndarray:
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = Critic()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    xt, yt = standardise(x[train]), torch.from_numpy(y[train]).float()
    pos = float(yt.mean())
    weights = torch.where(yt > 0.5, 0.5 / max(pos, 1e-6), 0.5 / max(1 - pos, 1e-6))
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(order), 32):
            idx = order[i : i + 32]
            if len(idx) < 2:
                continue
            logits = model(augment(xt[idx], gen))
            loss = (nn.functional.binary_cross_entropy_with_logits(logits, yt[idx], reduction="none")
                    * weights[idx]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(standardise(x[test]))).numpy()


def one_seed(real, real_groups, args, seed: int) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    synth, synth_groups = synthetic_patches(args.dataset, len(real), args.clean, seed)
    x = np.stack(real + synth).astype(np.float32)
    y = np.array([0] * len(real) + [1] * len(synth))  # 1 = synthetic
    folds = fold_assignment(real_groups + synth_groups, args.folds, seed)
    probs = np.full(len(y), 0.5)
    for k in range(args.folds):
        test, train = folds == k, folds != k
        if test.any() and (y[train] == 0).any() and (y[train] == 1).any():
            probs[test] = run_fold(x, y, train, test, seed * 100 + k)
    pred = probs > 0.5
    return float(0.5 * (pred[y == 1].mean() + (~pred[y == 0]).mean())), x, y, probs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", type=Path, required=True)
    ap.add_argument("--scans", type=Path, default=Path("../shared/data/rough"))
    ap.add_argument("--clean", action="store_true", help="Use the dataset's clean targets (sanity check).")
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("out/realism"))
    args = ap.parse_args()
    start = time.perf_counter()
    real, real_groups = real_patches(args.scans)
    accuracies = []
    for seed in range(args.seeds):
        accuracy, x, y, probs = one_seed(real, real_groups, args, seed)
        accuracies.append(accuracy)
    what = "clean targets" if args.clean else "rough inputs"
    result = {"dataset": str(args.dataset), "patches": what, "real_patches": len(real),
              "per_seed": [round(a, 3) for a in accuracies], "balanced_accuracy": round(float(np.mean(accuracies)), 3),
              "seconds": round(time.perf_counter() - start)}
    args.out.mkdir(parents=True, exist_ok=True)
    surest = np.argsort(-np.where(y == 1, probs, -1))[:12]  # of the last seed
    save_png(args.out / f"most_synthetic_{args.dataset.name}{'_clean' if args.clean else ''}.png",
             grid([list(x[surest[i : i + 6]]) for i in range(0, 12, 6)], 128))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
