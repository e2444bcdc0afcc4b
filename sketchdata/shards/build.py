"""`sketchdata build`: build the planned shards (sketchdata.shards.plan) in parallel, resume, write the manifest.

Resumability: a shard is written to a temporary file and renamed into place, then its
record ``_parts/<shard>.json`` is written (also atomically). A shard counts as finished only
when its record exists, so a build killed at any moment and started again redoes at most the
shards that were in flight, and never counts a half-written one. Shards are planned from the
sorted source list alone, so ``--part I/N`` on N machines splits one plan without talking.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import os
import platform
import queue
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import webdataset as wds

from sketchdata.files import atomic_target, ensure_folder
from sketchdata.image.io import BadInput, atomic_write_bytes
from sketchdata.recipe import MAX_PLAN_SAMPLES, Recipe
from sketchdata.shards.plan import ShardPlan, plan_fingerprint, plan_shards, refuse_overwriting_sources  # noqa: F401  (re-exported)
from sketchdata.shards.samples import SampleMaker, SourceStats, expected_samples
from sketchdata.sources.collect import collect_sources

from sketchdata.shards.format import FORMAT, INPUT, MANIFEST, PAIRED_SPLITS, PARTS, SPLITS, TARGET  # noqa: F401  (FORMAT, MANIFEST re-exported)


class BuildError(RuntimeError):
    """A build cannot start or continue (wrong output folder, plan mismatch)."""


@dataclass
class BuildReport:
    out_dir: str
    complete: bool
    shards_built: int
    shards_skipped_existing: int
    shards_total: int
    samples: dict[str, int]
    skipped: list[dict]
    seconds: float
    samples_per_s: float
    images_per_s: float


# ---------------------------------------------------------------------------- one shard
_WORKER: dict = {}
_HOST = "".join(ch if ch.isalnum() or ch == "-" else "_" for ch in platform.node()) or "host"


def _process_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def remove_stale_temporaries(out_dir: Path) -> int:
    """Delete this host's temporary shard files whose writing process is gone (a killed build).

    Temporary names carry host and pid, so parts building on other machines into a shared
    folder are never touched.
    """
    removed = 0
    for tmp in out_dir.glob(f".*.tar.{_HOST}.*.tmp"):
        if _process_alive(tmp.name.rsplit(".", 2)[-2]):
            continue  # still being written
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


@contextlib.contextmanager
def _opencv_pool_stopped():
    """OpenCV's thread pool stopped while workers are forked, then restored. A child forked
    while the pool exists (after any effect ran in this process, as in a notebook or a test)
    hangs in its first cv2.setNumThreads; a pool of one thread is no pool."""
    import cv2

    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(threads)


def _init_worker(recipe: Recipe, events, workers: int = 1) -> None:
    import cv2

    cv2.setNumThreads(1)  # parallelism comes from processes; threads would oversubscribe
    teacher = None
    if recipe.teacher is not None and any(s.uses_teacher for s in recipe.sources):
        from sketchdata.shards.teacher import load_teacher

        teacher = load_teacher(recipe.teacher, recipe, threads=max(1, (os.cpu_count() or 1) // workers))
    _WORKER["maker"] = SampleMaker(recipe, teacher)
    _WORKER["events"] = events


def build_shard(plan: ShardPlan, out_dir: Path) -> dict:
    """Write one shard atomically and then its record; return the record."""
    maker: SampleMaker = _WORKER["maker"]
    events = _WORKER.get("events")
    final = out_dir / f"{plan.name}.tar"
    stats = SourceStats()
    skipped = []
    with atomic_target(final, owner=f"{_HOST}.{os.getpid()}") as tmp, open(tmp, "wb") as fh:
        writer = wds.TarWriter(fh, mtime=0.0)  # fixed mtime: same recipe -> same bytes
        for item in plan.items:
            before = stats.samples
            try:
                for sample in maker.samples(item, stats):
                    writer.write(sample)
            except BadInput as exc:
                skipped.append({"path": (item.files() or (item.id,))[0], "id": item.id, "reason": str(exc)})
            if events is not None:
                events.put((1, stats.samples - before))
        writer.close()
        fh.flush()
        os.fsync(fh.fileno())  # the tar is complete on disk before its record says so
    samples = stats.samples
    record = {
        "shard": final.name, "split": plan.split, "samples": samples, "images": len(plan.items) - len(skipped),
        "rejected_blank": stats.rejected_blank, "missing": stats.missing, "effects": stats.effects,
        "skipped": skipped, "bytes": final.stat().st_size,
    }
    atomic_write_bytes(out_dir / PARTS / f"{plan.name}.json", json.dumps(record, indent=1).encode())
    return record


class _DirectEvents:
    """The in-process stand-in for the workers' event queue."""

    def __init__(self, emit):
        self.emit = emit

    def put(self, event):
        self.emit("image", {"images": event[0], "samples": event[1]})


# ---------------------------------------------------------------------------- manifest
def _versions() -> dict:
    import albumentations
    import cv2
    import numpy

    from sketchdata import __version__

    return {"sketchdata": __version__, "python": platform.python_version(), "numpy": numpy.__version__,
            "opencv": cv2.__version__, "albumentations": albumentations.__version__,
            "webdataset": getattr(wds, "__version__", "unknown")}


def write_manifest(out_dir: Path, recipe: Recipe, plans: list[ShardPlan], plan_skipped: list[dict],
                   fingerprint: str) -> dict:
    """Aggregate every finished shard's record into ``manifest.json`` (atomic)."""
    records = {}
    for plan in plans:
        rec_path = out_dir / PARTS / f"{plan.name}.json"
        if rec_path.exists() and (out_dir / f"{plan.name}.tar").exists():
            records[plan.name] = json.loads(rec_path.read_text())
    counts: dict[str, dict] = {}
    effects: dict[str, int] = {}
    skipped = list(plan_skipped)
    for plan in plans:
        c = counts.setdefault(plan.split, {"shards": 0, "samples": 0, "images": 0, "rejected_blank": 0,
                                           "missing": 0, "shards_planned": 0})
        c["shards_planned"] += 1
        rec = records.get(plan.name)
        if rec:
            c["shards"] += 1
            for k in ("samples", "images", "rejected_blank", "missing"):
                c[k] += rec[k]
            for name, n in rec["effects"].items():
                effects[name] = effects.get(name, 0) + n
            skipped += rec["skipped"]
    total = sum(c["samples"] for c in counts.values())
    manifest = {
        "format": FORMAT,
        "name": recipe.name,
        # a dataset without a single sample is a failed build, never a complete one
        "complete": len(records) == len(plans) and total > 0,
        "seed": recipe.seed,
        "plan_fingerprint": fingerprint,
        "counts": counts,
        "effects_applied": effects,
        "skipped_count": len(skipped),
        "skipped": skipped,
        "shards": {split: [p.name + ".tar" for p in plans if p.split == split and p.name in records]
                   for split in SPLITS if split in PAIRED_SPLITS or any(p.split == split for p in plans)},
        "recipe": recipe.to_dict(),
        "versions": _versions(),
        "sample_format": {INPUT: "8-bit grey rough input", TARGET: "8-bit grey clean target",
                          "json": "provenance: source, scale, angle, flips, effects"},
    }
    atomic_write_bytes(out_dir / MANIFEST, json.dumps(manifest, indent=1).encode())
    return manifest


# ---------------------------------------------------------------------------- whole build
def parse_part(text: str) -> tuple[int, int]:
    """'I/N' -> (I, N) with 0 <= I < N."""
    try:
        i, n = (int(v) for v in text.split("/"))
    except ValueError:
        raise BuildError(f"--part must look like I/N (e.g. 0/4), got {text!r}") from None
    if not (n >= 1 and 0 <= i < n):
        raise BuildError(f"--part I/N needs 0 <= I < N, got {text!r}")
    return i, n


def build_dataset(
    recipe: Recipe,
    out_dir: str | Path | None = None,
    workers: int = 1,
    part: tuple[int, int] = (0, 1),
    on_event: Callable[[str, dict], None] | None = None,
) -> BuildReport:
    """Build (or finish) the dataset a recipe describes. Returns a report.

    ``on_event(kind, data)`` receives progress: ("plan", {...}), ("image", {"samples": n}),
    ("shard", record), ("done", report-dict).
    """
    start = time.perf_counter()
    out = (Path(out_dir) if out_dir is not None else recipe.resolve(recipe.output.dir)).resolve()
    emit = on_event or (lambda kind, data: None)
    items, skipped = collect_sources(recipe)
    plan_skipped = [{"path": s.path, "reason": s.reason} for s in skipped]
    if not items:
        raise BuildError("no usable source drawings: " + ("; ".join(f"{s.path}: {s.reason}" for s in skipped[:5])
                                                          or "the recipe's sources matched no files"))
    planned = sum(expected_samples(item, recipe) for item in items)
    if planned > MAX_PLAN_SAMPLES:
        raise BuildError(f"the recipe plans {planned:,} samples, over the {MAX_PLAN_SAMPLES // 1_000_000} M samples one "
                         "build takes; split the sources over several recipes or datasets")
    plans = plan_shards(items, recipe)
    refuse_overwriting_sources(recipe, items, plans, out)
    fingerprint = plan_fingerprint(recipe, items)
    ensure_folder(out / PARTS)
    plan_file = out / PARTS / "plan.json"
    if plan_file.exists():
        previous = json.loads(plan_file.read_text()).get("fingerprint")
        if previous != fingerprint:
            raise BuildError(f"{out} holds a dataset built from a different recipe or different source files; "
                             "use another --out, or delete that folder to rebuild")
    else:
        atomic_write_bytes(plan_file, json.dumps({"fingerprint": fingerprint, "shards": len(plans)}).encode())

    index_i, index_n = part
    with _part_lock(out, index_i, index_n):
        return _build_part(recipe, out, plans, part, workers, skipped, plan_skipped, fingerprint, emit, start)


@contextlib.contextmanager
def _part_lock(out: Path, index: int, count: int):
    """Hold an exclusive lock on this part of the output folder for the whole build, so a second
    build of the same part into the same folder refuses at once instead of redoing every shard.
    (Parts I/N on other machines take their own locks; the lock is released when the process
    ends, even by kill -9.)"""
    try:
        import fcntl
    except ImportError:  # no advisory locks on this platform: build unguarded
        yield
        return
    path = out / PARTS / f"lock-{index}-of-{count}"
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise BuildError(f"{out}: another build is already writing part {index}/{count} of this folder "
                             f"({holder}); wait for it to finish (then run again to finish anything left), "
                             "or build into another --out") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} on {platform.node()} since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()


def _build_part(recipe: Recipe, out: Path, plans: list[ShardPlan], part: tuple[int, int], workers: int,
                skipped: list, plan_skipped: list[dict], fingerprint: str, emit, start: float) -> BuildReport:
    remove_stale_temporaries(out)
    index_i, index_n = part
    mine = [p for k, p in enumerate(plans) if k % index_n == index_i]
    done = [p for p in mine if (out / PARTS / f"{p.name}.json").exists() and (out / f"{p.name}.tar").exists()]
    finished = {p.name for p in done}  # by name: comparing plans compares their item lists (quadratic)
    todo = [p for p in mine if p.name not in finished]
    emit("plan", {"shards": len(mine), "done": len(done), "images": sum(len(p.items) for p in todo),
                  "samples": sum(p.expected for p in todo), "skipped": len(skipped), "skipped_inputs": plan_skipped})
    built: list[dict] = []
    workers = max(1, min(workers, len(todo))) if todo else 1
    if workers == 1:
        _init_worker(recipe, _DirectEvents(emit), 1)
        for plan in todo:
            record = build_shard(plan, out)
            built.append(record)
            emit("shard", record)
    else:
        # a teacher model (torch, maybe CUDA) must not be forked into workers: spawn them
        spawn = recipe.teacher is not None or os.environ.get("SKETCHDATA_SPAWN")
        ctx = mp.get_context("spawn") if spawn else mp.get_context()
        events = ctx.Queue()
        with _opencv_pool_stopped(), ctx.Pool(workers, initializer=_init_worker, initargs=(recipe, events, workers)) as pool:
            pending = [pool.apply_async(build_shard, (plan, out)) for plan in todo]
            while pending:
                with contextlib.suppress(queue.Empty):
                    images, samples = events.get(timeout=0.2)
                    emit("image", {"images": images, "samples": samples})
                for res in [r for r in pending if r.ready()]:
                    pending.remove(res)
                    record = res.get()  # re-raises a worker's unexpected error here
                    built.append(record)
                    emit("shard", record)
            while True:  # drain late progress events
                try:
                    images, samples = events.get_nowait()
                    emit("image", {"images": images, "samples": samples})
                except queue.Empty:
                    break
    manifest = write_manifest(out, recipe, plans, plan_skipped, fingerprint)
    all_done = len([n for names in manifest["shards"].values() for n in names]) == len(plans)
    if all_done and not manifest["complete"]:
        reasons = "; ".join(f"{s['path']}: {s['reason']}" for s in manifest["skipped"][:3])
        raise BuildError(f"{out}: the build made 0 samples ({manifest['skipped_count']} inputs skipped"
                         f"{': ' + reasons if reasons else ''}); fix the sources or the patch settings "
                         "(patches.size larger than every drawing? every patch blank?)")
    seconds = time.perf_counter() - start
    n_samples = sum(r["samples"] for r in built)
    n_images = sum(r["images"] for r in built)
    report = BuildReport(
        out_dir=str(out), complete=manifest["complete"], shards_built=len(built), shards_skipped_existing=len(done),
        shards_total=len(plans), samples={k: v["samples"] for k, v in manifest["counts"].items()},
        skipped=manifest["skipped"], seconds=seconds, samples_per_s=n_samples / seconds if seconds else 0.0,
        images_per_s=n_images / seconds if seconds else 0.0,
    )
    emit("done", asdict(report))
    return report
