"""Training and validation data from sketchdata shards, as small webdataset stages.

Training: resampled shards (each rank and worker draws shards with its own seeded stream, so
ranks never run out at different times and DDP never hangs) -> samples -> shuffle -> decode,
random crop, loss map -> fixed-size batches, with a fixed number of batches per data epoch.
A data epoch's stream is a pure function of (seed, epoch, rank, worker): resuming at step s
rebuilds epoch s // epoch_batches and skips the batches already used, so a resumed run sees
exactly the batches an uninterrupted one would.

Validation: the fixed shard list split by node and by worker, read once, in order.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import webdataset as wds

from sketchdata.shards.dataset import describe_read_error, read_manifest, shard_paths
from sketchdata.image.io import BadInput, decode_grey
from sketchdata.shards.format import MANIFEST, PAIR

from sketchtrain.training.losses import LossMapConfig, loss_map


class DataError(RuntimeError):
    """Training data that cannot be used; the message says what to do."""


@dataclass
class BadSampleCounter:
    """Counts (and remembers a few of) the samples skipped for being unreadable."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def __call__(self, exc: Exception) -> bool:
        self.count += 1
        if len(self.examples) < 5 or self.count % 100 == 0:
            message = str(exc) if isinstance(exc, DataError) else describe_read_error(exc)
            self.examples.append(message)
            # from a loader worker: stderr is the one channel that reaches the user
            print(f"sketchtrain: skipped unreadable data ({self.count} so far): {message}",
                  file=sys.stderr, flush=True)
        return True  # keep going


def dataset_shards(dataset: str | Path, require_pairs: bool = True) -> tuple[list[str], list[str], dict]:
    """(train shards, validation shards, manifest) of a dataset folder, with clear errors."""
    root = Path(dataset)
    if not root.exists():
        raise DataError(f"{dataset}: no such folder (build shards with `sketchdata build --recipe ...`)")
    manifest = read_manifest(root) if (root / MANIFEST).exists() else {}
    train, val = shard_paths(root, "train"), shard_paths(root, "validation")
    if not train and require_pairs:
        raise DataError(f"{dataset}: no training shards (train-*.tar); is the build finished? "
                        "Run `sketchdata inspect` on it")
    return train, val, manifest


def training_pool(dataset: str | Path, mix: list[str] | None, require_pairs: bool = True
                  ) -> tuple[list[str], list[str], str]:
    """(training shards of DATASET and of each --mix dataset, DATASET's validation shards, the pool's
    fingerprint). Without a mix the fingerprint is DATASET's manifest hash, as in runs from before
    --mix; with one it hashes every member's, in order, so resuming on another mix is refused."""
    train, val, manifest = dataset_shards(dataset, require_pairs)
    fingerprints = [manifest_fingerprint(manifest)]
    for other in mix or ():
        try:  # a mixed-in dataset adds training shards or nothing: dataset_shards' own checks, named
            extra, _, extra_manifest = dataset_shards(other, require_pairs=True)
        except DataError as error:
            raise DataError(f"--mix {error}") from error
        train = train + extra
        fingerprints.append(manifest_fingerprint(extra_manifest))
    fingerprint = fingerprints[0] if len(fingerprints) == 1 else manifest_fingerprint({"mix": fingerprints})
    return train, val, fingerprint


def _decode(png: bytes, key: str, name: str) -> np.ndarray:
    """The one image decoder (sketchdata.image.io.decode_grey), with the sample named on failure."""
    try:
        return decode_grey(png)
    except BadInput as exc:
        raise DataError(f"sample {key}: {name} is not a readable image ({exc})") from None


def _crop_pair(inp: np.ndarray, tgt: np.ndarray, crop: int, rng: random.Random | None,
               stride: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Random (training) or centre (validation) crop; pads with edge values when too small.
    ``crop`` 0: the whole sample, padded to the network's ``stride``."""
    from sketchdata.image.geometry import pad_to_multiple

    h, w = inp.shape
    if crop <= 0:
        return pad_to_multiple(inp, stride), pad_to_multiple(tgt, stride)
    if h < crop or w < crop:
        ph, pw = max(0, crop - h), max(0, crop - w)
        inp, tgt = np.pad(inp, ((0, ph), (0, pw)), mode="edge"), np.pad(tgt, ((0, ph), (0, pw)), mode="edge")
        h, w = inp.shape
    if rng is None:
        y, x = (h - crop) // 2, (w - crop) // 2
    else:
        y, x = rng.randint(0, h - crop), rng.randint(0, w - crop)
    return inp[y : y + crop, x : x + crop], tgt[y : y + crop, x : x + crop]


def _sample_images(sample: dict, fields: tuple[str, ...]) -> list[np.ndarray]:
    """The decoded ``fields`` of one raw sample; DataError naming the sample when one is absent
    or unreadable."""
    key = sample.get("__key__", "?")
    missing = [f for f in fields if f not in sample]
    if missing:
        present = sorted(k for k in sample if not k.startswith("__"))
        raise DataError(f"sample {key} in {sample.get('__url__')}: missing {missing} (has {present}); "
                        f"these shards must hold {' and '.join(fields)} per sample")
    return [_decode(sample[f], key, f) for f in fields]


def make_sample_decoder(crop: int, loss: LossMapConfig, rng: random.Random | None, stride: int = 8):
    """A stage turning raw tar samples into (input, target, weights) float tensors (1, H, W)."""

    def decode(sample: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        inp, tgt = _sample_images(sample, PAIR)
        if inp.shape != tgt.shape:
            raise DataError(f"sample {sample.get('__key__', '?')} in {sample.get('__url__')}: target size "
                            f"{tgt.shape[1]}x{tgt.shape[0]} differs from input size {inp.shape[1]}x{inp.shape[0]}; "
                            "pairs must align (rebuild that shard)")
        inp, tgt = _crop_pair(inp, tgt, crop, rng, stride)
        inp_t = torch.from_numpy(np.ascontiguousarray(inp))[None]
        tgt_t = torch.from_numpy(np.ascontiguousarray(tgt))[None]
        return inp_t, tgt_t, loss_map(tgt_t[None], loss)[0]

    return decode


def make_image_decoder(field: str, crop: int, rng: random.Random | None, stride: int = 8):
    """A stage turning raw samples of an unpaired shard set into one cropped image tensor (1, H, W)."""

    def decode(sample: dict) -> tuple[torch.Tensor]:
        (image,) = _sample_images(sample, (field,))
        image, _ = _crop_pair(image, image, crop, rng, stride)  # one image: the "pair" is two views of it
        return (torch.from_numpy(np.ascontiguousarray(image))[None],)

    return decode


def decode_or_skip(decoder, bad: BadSampleCounter, give_up_after: int = 20):
    """Stage: decode samples, counting and skipping broken ones (e.g. the torn last sample of a
    truncated shard); when the first ``give_up_after`` samples are all broken the data itself
    is wrong, so the first error is raised instead of skipping forever."""

    def stage(src):
        good = failures = 0
        for sample in src:
            try:
                item = decoder(sample)
            except DataError as exc:
                failures += 1
                if good == 0 and failures >= give_up_after:
                    raise
                bad(exc)
                continue
            good += 1
            yield item

    return stage


def _collate(batch):
    shapes = {tuple(b[0].shape) for b in batch}
    if len(shapes) > 1:
        raise DataError(f"samples of different sizes {sorted(shapes)} in one batch: pass --crop N to train on "
                        "fixed-size crops (whole-image datasets have varied sizes)")
    return tuple(torch.stack(items) for items in zip(*batch))


def _seed(*parts: int) -> int:
    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0])


class TrainStream(torch.utils.data.IterableDataset):
    """One data epoch of training batches for one rank: ``epoch_batches`` batches in total
    over all loader workers (each worker yields its share, the loader interleaves them)."""

    def __init__(self, shards: list[str], batch: int, crop: int, loss: LossMapConfig, seed: int,
                 epoch: int, rank: int, epoch_batches: int, num_workers: int, shuffle_buffer: int = 64,
                 stride: int = 8, field: str | None = None):
        super().__init__()
        self.stride, self.field = stride, field  # field: the one image of an unpaired set; None: pairs
        self.shards, self.batch, self.crop, self.loss = shards, batch, crop, loss
        self.seed, self.epoch, self.rank = seed, epoch, rank
        self.epoch_batches, self.num_workers, self.shuffle_buffer = epoch_batches, max(1, num_workers), shuffle_buffer
        self.bad = BadSampleCounter()

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        worker = info.id if info is not None else 0
        # worker w yields batches w, w + W, w + 2W, ... of the epoch (the loader's round robin)
        my_batches = len(range(worker, self.epoch_batches, self.num_workers))
        # an unpaired stream draws from its own sequence, apart from the pairs' (same seed, epoch, rank)
        stream_seed = _seed(self.seed, self.epoch, self.rank, worker, *([] if self.field is None else
                                                                         [zlib.crc32(self.field.encode())]))
        rng = random.Random(stream_seed)
        pipeline = wds.DataPipeline(
            wds.ResampledShards(self.shards, seed=stream_seed, deterministic=True, worker_seed=lambda: stream_seed),
            wds.tarfile_to_samples(handler=self.bad),
            wds.shuffle(self.shuffle_buffer, initial=self.shuffle_buffer, rng=random.Random(stream_seed + 1)),
            decode_or_skip(make_sample_decoder(self.crop, self.loss, rng, self.stride) if self.field is None else
                           make_image_decoder(self.field, self.crop, rng, self.stride), self.bad),
            wds.batched(self.batch, collation_fn=_collate, partial=False),
        )
        for count, batch in enumerate(pipeline):
            if count >= my_batches:
                break
            yield batch


def train_batches(shards: list[str], batch: int, crop: int, loss: LossMapConfig, seed: int, epoch: int,
                  rank: int, epoch_batches: int, num_workers: int, skip: int = 0, stride: int = 8):
    """Iterate the batches of one data epoch, skipping the first ``skip`` (for resume)."""
    stream = TrainStream(shards, batch, crop, loss, seed, epoch, rank, epoch_batches, num_workers, stride=stride)
    # the loader draws its worker base seed from `generator`, not the global RNG: a resumed run
    # creates its loader mid-epoch, and must not shift the RNG that dropout (the discriminator's)
    # and other global draws use after the restored state
    loader = torch.utils.data.DataLoader(stream, batch_size=None, num_workers=num_workers,
                                         persistent_workers=False, prefetch_factor=4 if num_workers else None,
                                         generator=torch.Generator().manual_seed(_seed(seed, epoch, rank)))
    for index, item in enumerate(loader):
        if index >= skip:
            yield item


def unpaired_batches(shards: list[str], field: str, batch: int, crop: int, seed: int, epoch: int, rank: int,
                     epoch_batches: int, skip: int = 0, stride: int = 8):
    """One data epoch of an unpaired shard set (``input.png`` rough sketches or ``target.png``
    line drawings): ``epoch_batches`` batches of (B, 1, crop, crop), in step with the paired
    batches of the same epoch (so a resumed run draws exactly the same ones). In the main
    process: a few small PNGs per step."""
    stream = TrainStream(shards, batch, crop, LossMapConfig(), seed, epoch, rank, epoch_batches, 1, stride=stride,
                         field=field)
    for index, (images,) in enumerate(stream):
        if index >= skip:
            yield images


def validation_batches(shards: list[str], batch: int, crop: int, loss: LossMapConfig, max_samples: int | None,
                       num_workers: int = 0, stride: int = 8):
    """Validation batches, split by node (rank) and worker; each sample seen once per rank set.
    Unreadable shards and samples are skipped with a message naming them."""
    bad = BadSampleCounter()
    pipeline = wds.DataPipeline(
        wds.SimpleShardList(shards),
        wds.split_by_node,
        wds.split_by_worker,
        wds.tarfile_to_samples(handler=bad),
        (lambda src: itertools.islice(src, max_samples)) if max_samples else (lambda src: src),
        decode_or_skip(make_sample_decoder(crop, loss, None, stride), bad),
        wds.batched(batch, collation_fn=_collate, partial=True),
    )
    loader = torch.utils.data.DataLoader(pipeline, batch_size=None, num_workers=num_workers,
                                         generator=torch.Generator().manual_seed(0))  # global RNG untouched
    yield from loader


def manifest_fingerprint(manifest: dict) -> str:
    """A short hash of the dataset manifest (stored in checkpoints)."""
    import hashlib

    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]


def measure_inputs(shards: list[str], samples: int, skipped: list[dict]) -> tuple[float, float, float | None]:
    """Mean and std of input pixels, and the inputs' median line width (sketchdata.image.linewidth,
    recorded so that ``--scale auto`` can bring a user's lines to it), over the first
    ``samples`` readable training samples."""
    from sketchdata.shards.dataset import iter_samples, skip_location
    from sketchdata.image.linewidth import width_samples

    total, total_sq, n = 0.0, 0.0, 0
    widths = []
    for i, (_, inp, _, _) in enumerate(iter_samples(shards, skipped=skipped)):
        if i >= samples:
            break
        total += float(inp.sum(dtype=np.float64))
        total_sq += float((inp.astype(np.float64) ** 2).sum())
        n += inp.size
        widths.append(width_samples(inp))
    if n == 0:
        reasons = "; ".join(f"{skip_location(r)}: {r['reason']}" for r in skipped[:3])
        raise DataError(f"no readable training sample to measure the input normalisation ({reasons or 'empty shards'})")
    mean = total / n
    all_widths = np.concatenate(widths)
    line_width = round(float(np.median(all_widths)), 3) if all_widths.size else None
    return mean, math.sqrt(max(total_sq / max(n, 1) - mean * mean, 1e-8)), line_width
