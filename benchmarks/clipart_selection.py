"""Which Openclipart drawings are line art (issue 23): render every file as drawn (fills and
strokes, resvg), measure its pixels, keep the line drawings; write the kept list, the counts
and contact sheets of kept and dropped drawings.

    bash scripts/fetch_clipart_and_paper.sh               # opt-in: data/external/openclipart
    .venv/bin/pip install -e ".[clipart]"                 # the renderer, resvg-py
    .venv/bin/python benchmarks/clipart_selection.py [--workers 2]

Files are taken once, after resolving symlinks (663 of the package's names are links). The
decision, in this order (the first rule that fails names the reason):
1. category: the package's folders of icons, shapes, symbols, maps and logos (computer, shapes,
   signs_and_symbols, geography, logos, buttons) hold few drawings of people, animals or things;
2. colour: more than 1% of the pixels coloured (channel spread > 0.15): a coloured illustration;
3. empty: under 0.4% of the pixels ink (value < 0.5);
4. dense: over 25% ink: silhouettes and filled scenes;
5. filled: over 25% of the ink more than 3 px (at a 384 px render) from the paper: solid fills;
6. grey: grey pixels (0.15-0.85) beyond 1.5 x the ink + 1% (anti-aliasing gives about as many
   grey pixels as a line has ink), or over 5% light-tone pixels (0.85-0.97): shaded or tinted fills;
7. copy: the same bytes, or the same look at 48 px, as a drawing kept before it (sorted by path).
Outputs: data/external/openclipart/lineart.txt (one path per line, relative to that folder:
an svg source's `paths` entry reads it), lineart.json (every file's measures, reason and
dc:creator), docs/clipart_kept.png and docs/clipart_dropped.png (random drawings of each).

Then the kept drawings are split by author and rendered as the PNG line art that recipes read
(`--render-only` redoes only this step from lineart.json):
- held out: every drawing by an author of HELDOUT_AUTHORS (dc:creator, spelling variants
  joined by ``author_key``), for recipes/experiments/heldout_clipart.yaml; a drawing without a
  dc:creator is in neither half (it could be anyone's). A training drawing that looks like a
  held-out one at 32 px (correlation over 0.9, after the exact-copy rule above) is dropped.
- each drawing rendered as drawn, 768 px wide (or wider, to be 400 px high), its bold lines thinned to a width drawn
  uniformly from RENDER_WIDTH_PX (its own seed; thin details kept): the clean targets' lines
  are then as thin as the scans' (issue 23: median at most 1.8 px after the recipes' scaling;
  as drawn, Openclipart's outlines are 3-5 px at that size);
- data/external/openclipart/render/{train,heldout}/<category>__<name>.png and
  benchmarks/real/clipart_split.json (the split, committed: which file is in which half).
The drawings dropped for colour are the input of benchmarks/clipart_outlines.py, which keeps
the ink outlines of those that are inked (training authors only; the split is not changed).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
CLIPART = ROOT / "data" / "external" / "openclipart"
ICON_CATEGORIES = {"computer", "shapes", "signs_and_symbols", "geography", "logos", "buttons"}
RENDER = 384
# authors whose drawings are held out (36 drawings of the 143), chosen before any training
# among those with 1-14 drawings, so that the training half keeps its largest authors
HELDOUT_AUTHORS = ("jean-victor balin", "nicu buculei", "alan horkan", "susan park", "john conner atkeson iii",
                   "frouke", "aaron johnson", "k yager", "benji park", "stefan illner", "steve doonan", "jose hevia")
RENDER_WIDTH_PX = (0.6, 1.2)
LINEART_SIDE = 768  # rendered line art's width, pixels (detail kept, lines thinned to RENDER_WIDTH_PX)
MIN_SIDE = 400  # and its height at least this (a wide drawing is rendered wider)
SPLIT_FILE = ROOT / "benchmarks" / "real" / "clipart_split.json"
UNITS = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0, "": 1.0}


def sized(svg: str) -> str:
    """The root's width and height in pixels (resvg refuses some unit forms, such as
    "500.00000pt"); a percentage is dropped, so the viewBox sets the size."""
    found = re.search(r"<svg\b[^>]*>", svg, re.S)
    if not found:
        return svg
    tag = new = found.group(0)
    for name in ("width", "height"):
        value = re.search(rf'\s{name}\s*=\s*"([^"]*)"', tag)
        if value is None:
            continue
        number = re.fullmatch(r"([\d.eE+-]+)\s*(px|pt|pc|mm|cm|in|)", value.group(1).strip())
        replacement = f' {name}="{float(number.group(1)) * UNITS[number.group(2)]:.3f}"' if number else ""
        new = re.sub(rf'\s{name}\s*=\s*"[^"]*"', replacement, new, count=1)
    return svg.replace(tag, new, 1)


def render(path: str, size: int = RENDER) -> np.ndarray:
    """RGB float32 in [0, 1] on white, ``size`` px wide, as the file draws it."""
    import resvg_py

    text = Path(path).read_text(encoding="utf-8", errors="replace")
    png = resvg_py.svg_to_bytes(svg_string=sized(text), width=size, background="white")
    return np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGB"), np.float32) / 255


def creator(text: str) -> str:
    found = re.search(r"<dc:creator>.*?<dc:title>(.*?)</dc:title>", text, re.S)
    return found.group(1).strip() if found else ""


def measure(path: str) -> dict:
    try:
        rgb = render(path)
    except Exception as exc:  # the renderer's own errors: a file it cannot draw is dropped with them
        return {"error": f"{type(exc).__name__}: {str(exc)[:100]}"}
    grey = rgb.mean(2)
    return {**ink_measures(grey < 0.5), "grey": float(((grey >= 0.15) & (grey < 0.85)).mean()),
            "light": float(((grey >= 0.85) & (grey < 0.97)).mean()),
            "colour": float(((rgb.max(2) - rgb.min(2)) > 0.15).mean()),
            "creator": creator(Path(path).read_text(encoding="utf-8", errors="replace"))}


def ink_measures(ink: np.ndarray) -> dict:
    """Share of the pixels that are ink, and share of the ink more than 3 px from paper."""
    far = ndimage.distance_transform_edt(ink) > 3
    return {"ink": float(ink.mean()), "filled": float(far.sum() / max(int(ink.sum()), 1))}


def ink_checks(m: dict) -> tuple[tuple[str, bool], ...]:
    """The rules on a drawing's ink (ink_measures): empty, dense (silhouettes, filled scenes),
    filled (solid fills)."""
    return (("empty", m["ink"] < 0.004), ("dense", m["ink"] > 0.25), ("filled", m["filled"] > 0.25))


def reason(category: str, m: dict) -> str:
    """Why a drawing is dropped, or "kept"."""
    if category in ICON_CATEGORIES:
        return "category"
    if "error" in m:
        return "unreadable"
    checks = (("colour", m["colour"] > 0.01), *ink_checks(m),
              ("grey", m["grey"] > 1.5 * m["ink"] + 0.01 or m["light"] > 0.05))
    return next((name for name, failed in checks if failed), "kept")


def look(path: str) -> bytes:
    """What a drawing looks like at 48 px, as ink or paper: copies saved under two names (or
    with other metadata) look the same."""
    grey = np.asarray(Image.fromarray((render(path, 96).mean(2) * 255).astype(np.uint8)).resize((48, 48)))
    return np.packbits(grey < 160).tobytes()


def mark_copies(record: dict) -> None:
    """Among the kept drawings, a second file with the same bytes or the same look is a copy."""
    seen: dict[bytes, str] = {}
    for path in sorted(p for p, r in record.items() if r["reason"] == "kept"):
        keys = (Path(path).read_bytes(), look(path))
        if any(key in seen for key in keys):
            record[path]["reason"] = "copy"
            record[path]["copy_of"] = next(seen[key] for key in keys if key in seen)
            continue
        seen.update({key: path for key in keys})


def contact_sheet(paths: list[str], out: Path, rng: np.random.Generator, count: int, columns: int = 10) -> None:
    chosen = [paths[i] for i in sorted(rng.choice(len(paths), min(count, len(paths)), replace=False))]
    tiles = [np.asarray(Image.fromarray((render(p, 160) * 255).astype(np.uint8)).resize((120, 120))) for p in chosen]
    save_tiles(tiles, columns, out)


def save_tiles(tiles: list[np.ndarray], columns: int, out: Path) -> None:
    """Equal RGB tiles in rows of ``columns`` (the last row padded with white), as a PNG."""
    tiles = tiles + [np.full_like(tiles[0], 255)] * (-len(tiles) % columns)
    rows = [np.concatenate(tiles[i:i + columns], 1) for i in range(0, len(tiles), columns)]
    Image.fromarray(np.concatenate(rows, 0)).save(out)


def author_key(name: str) -> str:
    """One key per author: lower case, e-mail and bracketed parts dropped, Italian title and
    surname-first order joined ("Architetto Francesco Rollandin" = "Rollandin Francesco")."""
    name = re.sub(r"\(.*?\)|<.*?>|\S+@\S+", " ", name or "").lower()
    words = sorted(w for w in re.split(r"[^\w-]+", name) if w and w != "architetto")
    return " ".join(words)


HELDOUT_KEYS = {author_key(a) for a in HELDOUT_AUTHORS}


def rendered_name(path: str) -> str:
    rel = Path(path).resolve().relative_to((CLIPART / "svg").resolve())
    return "__".join(rel.with_suffix("").parts) + ".png"


def thinned(grey: np.ndarray, wanted: float) -> np.ndarray:
    """Lines thinned to about ``wanted`` px (at half this image's resolution): the ink eroded by
    the excess of its median width, joined with its skeleton grown to ``wanted``, so that thin
    details stay and only bold outlines lose weight."""
    from skimage.morphology import skeletonize

    from sketchdata.image.linewidth import median_stroke_width

    ink = grey < 0.5
    measured = 2 * (median_stroke_width(cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)) or 1.5)
    if measured <= 2 * wanted:
        return grey
    core = ndimage.distance_transform_edt(ink) > (measured - 2 * wanted) / 2
    spine = ndimage.distance_transform_edt(~skeletonize(ink)) <= wanted
    return np.where(core | spine, 0.0, 1.0).astype(np.float32)


def size_ratio(path: str) -> float:
    """Height over width of the drawing as rendered."""
    small = render(path, 64)
    return small.shape[0] / small.shape[1]


def render_plan(path: str) -> tuple[int, float]:
    """(width, line width) a drawing is rendered at: LINEART_SIDE px wide (wider when its height
    would fall under MIN_SIDE: recipes cut 256 px patches), lines thinned to a width drawn from
    the file's own seed."""
    seed = int.from_bytes(rendered_name(path).encode()[-8:].rjust(8, b"\0"), "little")
    wanted = np.random.default_rng(seed).uniform(*RENDER_WIDTH_PX)
    width = LINEART_SIDE
    aspect = size_ratio(path)  # height / width
    if aspect * width < MIN_SIDE:  # a wide drawing: its short side at least MIN_SIDE
        width = int(np.ceil(MIN_SIDE / aspect))
    return width, wanted


def reduced(grey: np.ndarray, wanted: float) -> np.ndarray:
    """A render at twice the size, thinned, then halved (anti-aliased edges), as uint8."""
    small = cv2.resize(thinned(grey, wanted), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    return (small * 255).round().astype(np.uint8)


def render_lineart(path: str) -> tuple[str, np.ndarray]:
    """The drawing rendered as drawn (render_plan's size and line width)."""
    width, wanted = render_plan(path)
    return path, reduced(render(path, 2 * width).mean(2), wanted)


def small_look(grey: np.ndarray) -> np.ndarray:
    """Ink at 32 px, centred, unit length: near-copies (one drawing saved twice, slightly
    edited) correlate above 0.9."""
    ink = 1.0 - np.asarray(Image.fromarray(grey).resize((32, 32), Image.BILINEAR), np.float32) / 255
    ink -= ink.mean()
    return ink.ravel() / (np.linalg.norm(ink) + 1e-6)


def split_and_render(record: dict, workers: int) -> None:
    kept = sorted(p for p, r in record.items() if r["reason"] == "kept")
    half = {p: ("heldout" if author_key(record[p]["creator"]) in HELDOUT_KEYS else "train")
            for p in kept if author_key(record[p].get("creator", ""))}
    with Pool(workers) as pool:
        drawn = dict(pool.map(render_lineart, sorted(half), chunksize=4))
    held = np.stack([small_look(drawn[p]) for p in half if half[p] == "heldout"])
    dropped = {}
    for p in [p for p in half if half[p] == "train"]:
        closest = float((held @ small_look(drawn[p])).max())
        if closest > 0.9:
            dropped[p] = round(closest, 3)
            del half[p]
    out = CLIPART / "render"
    for name in ("train", "heldout"):
        (out / name).mkdir(parents=True, exist_ok=True)
        for old in (out / name).glob("*.png"):
            old.unlink()
    for p, name in half.items():
        Image.fromarray(drawn[p]).save(out / name / rendered_name(p))
    split = {"heldout_authors": sorted(HELDOUT_AUTHORS), "render_width_px": list(RENDER_WIDTH_PX),
             "without_author": sorted(rendered_name(p) for p in kept if p not in half and p not in dropped),
             "dropped_as_near_copy_of_heldout": {rendered_name(p): v for p, v in dropped.items()},
             **{name: {rendered_name(p): record[p]["creator"] for p in sorted(half) if half[p] == name}
                for name in ("train", "heldout")}}
    SPLIT_FILE.write_text(json.dumps(split, indent=1, ensure_ascii=False) + "\n")
    print(f"split: {sum(v == 'train' for v in half.values())} training, {sum(v == 'heldout' for v in half.values())} "
          f"held-out drawings ({len(split['without_author'])} without an author, {len(dropped)} near copies dropped) "
          f"-> {out}, {SPLIT_FILE}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--render-only", action="store_true", help="split and render from lineart.json only")
    args = ap.parse_args()
    if args.render_only:
        split_and_render(json.loads((CLIPART / "lineart.json").read_text()), args.workers)
        return
    svg_root = (CLIPART / "svg").resolve()
    categories = {}
    for name in sorted(svg_root.rglob("*.svg")):
        real = Path(os.path.realpath(name))
        categories.setdefault(str(real), real.relative_to(svg_root).parts[0])
    todo = [p for p, c in categories.items() if c not in ICON_CATEGORIES]
    with Pool(args.workers) as pool:
        measures = dict(zip(todo, pool.map(measure, todo, chunksize=16)))
    record = {p: {"category": c, "reason": reason(c, measures.get(p, {})), **measures.get(p, {})}
              for p, c in categories.items()}
    mark_copies(record)
    kept = sorted(p for p, r in record.items() if r["reason"] == "kept")
    (CLIPART / "lineart.txt").write_text("".join(os.path.relpath(p, CLIPART) + "\n" for p in kept))
    (CLIPART / "lineart.json").write_text(json.dumps(record, indent=1))
    counts = Counter(r["reason"] for r in record.values())
    print(f"{len(categories)} distinct files: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    print(f"kept {len(kept)} line drawings by {len({record[p]['creator'] for p in kept})} authors "
          f"-> {CLIPART / 'lineart.txt'}")
    rng = np.random.default_rng(0)
    contact_sheet(kept, ROOT / "docs" / "clipart_kept.png", rng, 60)
    dropped = sorted(p for p, r in record.items() if r["reason"] in ("colour", "filled", "grey", "dense"))
    contact_sheet(dropped, ROOT / "docs" / "clipart_dropped.png", rng, 40)
    split_and_render(record, args.workers)


if __name__ == "__main__":
    main()
