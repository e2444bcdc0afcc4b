"""More human line art (issue 23): the ink outlines of Openclipart's coloured drawings.

    .venv/bin/python benchmarks/clipart_selection.py      # first: lineart.json, the committed split
    .venv/bin/python benchmarks/clipart_outlines.py [--workers 2]

Most of Openclipart's drawings of people, animals and things are coloured: an artist's black
outlines over flat fills. `clipart_selection.py` drops them (rule "colour"), which leaves 143
line drawings. Their outlines are line art drawn by a person all the same, so this keeps them,
fills removed. Outline: the dark, neutral pixels (grey under OUTLINE_GREY, channel spread under
OUTLINE_SPREAD). For each drawing dropped for colour, at a 384 px render, the first rule that
fails names the reason:
1. outlined: at least OUTLINED of the drawing's colour edges (Canny on its grey render) lie
   within 2 px of an outline: its regions are drawn with ink lines, not only painted;
2. empty / dense / filled: clipart_selection's ink rules (ink_checks) on the outline alone
   (under 0.4% of the pixels, over 25%, over 25% of it more than 3 px from paper);
3. held-out author, or no dc:creator: not in training (the committed held-out set,
   benchmarks/real/clipart_split.json, keeps its 36 drawings and is not changed);
4. copy: the same look at 48 px as a drawing kept before it, or a 32 px correlation over 0.9
   with any drawing of the split (a coloured copy of a line drawing, or of a held-out one).
Kept outlines are rendered like the line drawings (768 px wide, at least 400 px high, bold
lines thinned to the split's width range) into data/external/openclipart/render/outlines/.
Outputs: benchmarks/real/clipart_outlines.json (kept names with dc:creator, counts by reason;
committed), docs/clipart_outlines_kept.png (colour render | outline, random kept drawings) and
docs/clipart_outlines_dropped.png (random dropped ones, colour render | outline).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from scipy import ndimage

from clipart_selection import (CLIPART, HELDOUT_KEYS, ROOT, SPLIT_FILE, author_key, ink_checks, ink_measures, reduced,
                               render, render_plan, rendered_name, save_tiles, small_look)

OUTLINE_GREY = 0.35
OUTLINE_SPREAD = 0.15
OUTLINED = 0.6
OUTLINES_FILE = ROOT / "benchmarks" / "real" / "clipart_outlines.json"
OUT = CLIPART / "render" / "outlines"


def outline(rgb: np.ndarray) -> np.ndarray:
    """Boolean mask of the drawing's ink lines: dark and neutral pixels."""
    return (rgb.mean(2) < OUTLINE_GREY) & ((rgb.max(2) - rgb.min(2)) < OUTLINE_SPREAD)


def judge(path: str) -> tuple[str, dict]:
    """The outline's measures and the reason it is dropped (or "kept"), at RENDER px."""
    try:
        rgb = render(path)
    except Exception as exc:  # the renderer's own errors
        return path, {"reason": "unreadable", "error": f"{type(exc).__name__}: {str(exc)[:100]}"}
    ink = outline(rgb)
    edges = cv2.Canny((rgb.mean(2) * 255).astype(np.uint8), 50, 150) > 0
    near = ndimage.distance_transform_edt(~ink) <= 2
    m = {"outlined": float((edges & near).sum() / max(int(edges.sum()), 1)), **ink_measures(ink)}
    checks = (("outlined", m["outlined"] < OUTLINED), *ink_checks(m))
    return path, {**m, "reason": next((name for name, failed in checks if failed), "kept")}


def render_outline(path: str) -> tuple[str, np.ndarray]:
    """As clipart_selection.render_lineart, on the outline mask."""
    width, wanted = render_plan(path)
    return path, reduced(np.where(outline(render(path, 2 * width)), 0.0, 1.0).astype(np.float32), wanted)


def pair_sheet(paths: list[str], drawn: dict[str, np.ndarray], out: Path, rng: np.random.Generator,
               count: int, columns: int = 6) -> None:
    """Contact sheet: each drawing's colour render beside its outline."""
    chosen = [paths[i] for i in sorted(rng.choice(len(paths), min(count, len(paths)), replace=False))]
    tiles = []
    for p in chosen:
        rgb = (render(p, 160) * 255).astype(np.uint8)
        mask = drawn[p] if p in drawn else np.where(outline(rgb / 255.0), 0, 255).astype(np.uint8)
        line = np.asarray(Image.fromarray(mask).resize((120, 120)).convert("RGB"))
        tile = np.concatenate([np.asarray(Image.fromarray(rgb).resize((120, 120))), line], 1)
        tiles.append(np.pad(tile, ((2, 2), (2, 2), (0, 0)), constant_values=200))
    save_tiles(tiles, columns, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    record = json.loads((CLIPART / "lineart.json").read_text())
    coloured = sorted(p for p, r in record.items() if r["reason"] == "colour")
    with Pool(args.workers) as pool:
        judged = dict(pool.map(judge, coloured, chunksize=16))
    for p in coloured:
        if judged[p]["reason"] == "kept":
            key = author_key(record[p].get("creator", ""))
            judged[p]["reason"] = "heldout author" if key in HELDOUT_KEYS else "kept" if key else "no author"
    candidates = [p for p in coloured if judged[p]["reason"] == "kept"]
    with Pool(args.workers) as pool:
        drawn = dict(pool.map(render_outline, candidates, chunksize=4))
    split = json.loads(SPLIT_FILE.read_text())
    known = [np.asarray(Image.open(CLIPART / "render" / half / name)) for half in ("train", "heldout")
             for name in split[half]]
    looks = np.stack([small_look(g) for g in known])
    seen: set[bytes] = set()
    for p in candidates:
        small = np.asarray(Image.fromarray(drawn[p]).resize((48, 48)))
        key, look = np.packbits(small < 160).tobytes(), small_look(drawn[p])
        if key in seen or float((looks @ look).max()) > 0.9:
            judged[p]["reason"] = "copy"
            continue
        seen.add(key)
        looks = np.concatenate([looks, look[None]])
    kept = [p for p in candidates if judged[p]["reason"] == "kept"]
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    for p in kept:
        Image.fromarray(drawn[p]).save(OUT / rendered_name(p))
    counts = Counter(j["reason"] for j in judged.values())
    OUTLINES_FILE.write_text(json.dumps({
        "rules": {"outline_grey": OUTLINE_GREY, "outline_spread": OUTLINE_SPREAD, "outlined": OUTLINED},
        "counts": dict(counts.most_common()),
        "outlines": {rendered_name(p): record[p]["creator"] for p in kept}}, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(coloured)} coloured drawings: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    print(f"kept {len(kept)} outline drawings by {len({author_key(record[p]['creator']) for p in kept})} authors -> {OUT}")
    rng = np.random.default_rng(0)
    pair_sheet(kept, drawn, ROOT / "docs" / "clipart_outlines_kept.png", rng, 36)
    dropped = [p for p in coloured if judged[p]["reason"] in ("outlined", "filled", "dense", "copy")]
    pair_sheet(dropped, drawn, ROOT / "docs" / "clipart_outlines_dropped.png", rng, 24)


if __name__ == "__main__":
    main()
