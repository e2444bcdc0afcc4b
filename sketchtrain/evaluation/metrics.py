"""The rough-sketch-cleanup benchmark's metrics (Yan et al. 2020), exactly as defined in
shared/design/metrics.md, plus MSE / PSNR / SSIM.

- Images are 8-bit luma (ITU-R 601, PIL's convert("L")); we composite alpha over white first
  (the benchmark ignores alpha) and say so in the result.
- Stroke pixels: L <= 191 (L / 255 < 0.75).
- D_pg: distance from each stroke pixel of pred to the nearest stroke pixel of gt (exact
  Euclidean distance transform); D_gp the other way.
- Tolerance t inclusive; in pixels, or in thousandths of the long edge (t = long * d / 1000).
- Precision = share of D_pg <= t, recall = share of D_gp <= t, F = 2PR / (P + R) (0 if both 0).
- Chamfer = (mean D_pg + mean D_gp) / 2 / long edge; Hausdorff = max(max D_pg, max D_gp) / long.
- An image without stroke pixels gives ``"blank": true`` and no benchmark numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.ndimage import distance_transform_edt

STROKE_LEVEL = 191  # L <= 191 is a stroke pixel (L / 255 < 0.75)


def to_luma8(image: np.ndarray) -> np.ndarray:
    """float [0, 1] -> uint8 luma by rounding (as saving an 8-bit PNG would)."""
    from sketchdata.image.io import to_uint8

    return image if image.dtype == np.uint8 else to_uint8(image)


def load_luma8(path: str | Path) -> np.ndarray:
    """8-bit luma of an image file, alpha composited over white."""
    from sketchdata.image.io import load_grey

    return to_luma8(load_grey(path))


DEFAULT_TOL_PX = 1.0  # the tolerance when none is given: the benchmarks' 1 px


def tolerance_pixels(shape: tuple[int, int], tol_px: float | None, tol_permille: float | None) -> tuple[float, str]:
    """The stroke tolerance in pixels and in words: ``tol_px``, or ``tol_permille`` thousandths of
    the long edge, or neither: DEFAULT_TOL_PX."""
    if tol_px is not None and tol_permille is not None:
        raise ValueError("give one tolerance: in pixels or in thousandths of the long edge, not both")
    if tol_px is None and tol_permille is None:
        tol_px = DEFAULT_TOL_PX
    given = tol_px if tol_px is not None else tol_permille
    if not np.isfinite(given) or given < 0:
        raise ValueError(f"tolerance must be a number >= 0, got {given}")
    if tol_px is not None:
        return float(tol_px), f"{tol_px:g} px"
    t = max(shape) * 0.001 * tol_permille
    return t, f"{tol_permille:g}/1000 of the long edge = {t:.3f} px"


def stroke_distances(pred_ink: np.ndarray, gt_ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """D_pg (each output stroke pixel to the nearest reference stroke pixel) and D_gp (the
    reverse), exact Euclidean, in pixels, in the order of the masks' stroke pixels."""
    return distance_transform_edt(~gt_ink)[pred_ink], distance_transform_edt(~pred_ink)[gt_ink]


def stroke_scores(pred8: np.ndarray, gt8: np.ndarray, tol_px: float | None = None,
                  tol_permille: float | None = None) -> dict:
    """Benchmark numbers for one pair of 8-bit luma images of the same size."""
    if pred8.shape != gt8.shape:
        raise ValueError(f"size mismatch: output {pred8.shape[::-1]} vs reference {gt8.shape[::-1]} (w x h); "
                         "the benchmark never resizes")
    t, unit = tolerance_pixels(gt8.shape, tol_px, tol_permille)
    pred_ink, gt_ink = pred8 <= STROKE_LEVEL, gt8 <= STROKE_LEVEL
    long_edge = float(max(gt8.shape))
    result = {"tolerance": unit, "tolerance_px": t, "pred_stroke_pixels": int(pred_ink.sum()),
              "gt_stroke_pixels": int(gt_ink.sum())}
    if not pred_ink.any() or not gt_ink.any():
        which = " and ".join(n for n, ink in (("output", pred_ink), ("reference", gt_ink)) if not ink.any())
        return {**result, "blank": True, "blank_reason": f"{which} has no stroke pixel (L <= 191)"}
    d_pg, d_gp = stroke_distances(pred_ink, gt_ink)
    precision = float((d_pg <= t).mean())
    recall = float((d_gp <= t).mean())
    f = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return {**result, "blank": False, "precision": precision, "recall": recall, "f": f,
            "chamfer": float((d_pg.mean() + d_gp.mean()) / 2 / long_edge),
            "hausdorff": float(max(d_pg.max(), d_gp.max()) / long_edge)}


def grey_scores(pred8: np.ndarray, gt8: np.ndarray) -> dict:
    """MSE and PSNR on [0, 1] grey levels, and SSIM."""
    from skimage.metrics import structural_similarity

    p, g = pred8.astype(np.float64) / 255.0, gt8.astype(np.float64) / 255.0
    mse = float(((p - g) ** 2).mean())
    psnr = float("inf") if mse == 0 else float(10 * np.log10(1.0 / mse))
    win = min(7, min(p.shape) - (1 - min(p.shape) % 2))
    ssim = float(structural_similarity(p, g, data_range=1.0, win_size=win)) if win >= 3 else float("nan")
    return {"mse": mse, "psnr": psnr, "ssim": ssim}


def score(pred: np.ndarray, gt: np.ndarray, tol_px: float | None = None, tol_permille: float | None = None) -> dict:
    """All metrics for one pair (float [0, 1] or uint8 arrays)."""
    pred8, gt8 = to_luma8(pred), to_luma8(gt)
    return {**stroke_scores(pred8, gt8, tol_px, tol_permille), **grey_scores(pred8, gt8),
            "alpha": "composited over white before scoring"}


def score_files(clean: str | Path, output: str | Path, tol_px: float | None = None,
                tol_permille: float | None = None) -> dict:
    """Metrics for a reference file and an output file."""
    from sketchdata.image.io import BadInput

    images = {}
    for role, path in (("output", output), ("reference", clean)):
        try:
            images[role] = load_luma8(path)
        except BadInput as exc:
            raise BadInput(f"{role} {path}: {exc}") from None
    return {"reference": str(clean), "output": str(output),
            **score(images["output"], images["reference"], tol_px, tol_permille)}
