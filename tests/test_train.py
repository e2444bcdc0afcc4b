"""Training: loss goes down, exact resume, NaN stop, DDP on 2 CPU processes, bad data."""

import io
import json
import tarfile
from pathlib import Path

import pytest
import torch

from sketchdata.shards.build import build_dataset
from sketchdata.recipe import load_recipe
from sketchtrain.models.checkpoint import CheckpointError, load_checkpoint, model_from_checkpoint
from sketchtrain.training.data import DataError
from sketchtrain.training.loop import FitConfig, TrainingStopped, fit

FAST = dict(variant="sixteenth", batch=4, crop=48, val_every=5, ckpt_every=5, val_samples=8, workers=0,
            epoch_batches=6, threads=2, norm_samples=8)


@pytest.mark.slow
def test_training_lowers_validation_loss_and_writes_its_artifacts(shards, tmp_path):
    cfg = FitConfig(dataset=str(shards), out=str(tmp_path / "run"), steps=30, optimizer="adam", lr=3e-3,
                    **{**FAST, "val_every": 15})
    result = fit(cfg)
    assert result.step == 30
    assert result.last_val_loss < 0.8 * result.first_val_loss, (result.first_val_loss, result.last_val_loss)
    run = tmp_path / "run"
    for name in ("last.pt", "best.pt", "loss.png", "metrics.jsonl", "run.json"):
        assert (run / name).exists(), name
    assert len(list((run / "progress").glob("step-*.png"))) == 3
    ckpt = load_checkpoint(run / "last.pt")
    assert ckpt["step"] == 30 and ckpt["model"]["variant"] == "sixteenth" and ckpt["args"]["lr"] == 3e-3
    assert ckpt["dataset"]["manifest_sha256_16"] and 0.5 < ckpt["model"]["norm_mean"] < 1
    assert 0.5 < ckpt["model"]["line_width"] < 8  # the inputs' measured line width, for --scale auto
    assert ckpt["model"]["scale_rule"] == "lines"  # runs started since the rule existed
    model = model_from_checkpoint(ckpt)
    assert model(torch.ones(1, 1, 16, 16)).shape == (1, 1, 16, 16)


@pytest.mark.slow
def test_cross_entropy_with_paper_weight_trains_on_logits(shards, tmp_path):
    cfg = FitConfig(dataset=str(shards), out=str(tmp_path / "run"), steps=30, optimizer="adam", lr=3e-3,
                    loss="bce", paper_weight=3.0, **{**FAST, "val_every": 15})
    result = fit(cfg)
    mse = [h["mse"] for h in result.history if h["kind"] == "val"]
    assert mse[-1] < 0.8 * mse[0], mse
    assert load_checkpoint(tmp_path / "run" / "last.pt")["args"]["paper_weight"] == 3.0
    with pytest.raises(ValueError, match="paper_weight was 3.0"):
        fit(FitConfig(dataset=str(shards), out=str(tmp_path / "run"), steps=40, resume=True, loss="bce", **FAST))


@pytest.mark.slow
def test_killed_and_resumed_run_matches_an_uninterrupted_one(shards, tmp_path):
    straight = fit(FitConfig(dataset=str(shards), out=str(tmp_path / "a"), steps=14, **FAST))
    fit(FitConfig(dataset=str(shards), out=str(tmp_path / "b"), steps=10, **FAST))
    resumed = fit(FitConfig(dataset=str(shards), out=str(tmp_path / "b"), steps=14, resume=True, **FAST))
    losses = lambda r: [(h["step"], h["kind"], h["loss"]) for h in r.history]
    assert losses(straight) == losses(resumed)
    with pytest.raises(FileExistsError, match="--resume"):
        fit(FitConfig(dataset=str(shards), out=str(tmp_path / "a"), steps=14, **FAST))
    with pytest.raises(ValueError, match="batch was 4"):
        fit(FitConfig(dataset=str(shards), out=str(tmp_path / "a"), steps=20, resume=True, **{**FAST, "batch": 2}))


@pytest.mark.slow
def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(shards, tmp_path, monkeypatch):
    import sketchtrain.training.loop as train_module

    real = train_module.pixel_loss
    calls = {"n": 0}

    def poisoned(kind, pred, tgt, weights, paper_weight=1.0):
        calls["n"] += 1
        value = real(kind, pred, tgt, weights, paper_weight)
        return value * float("nan") if pred.requires_grad and calls["n"] > 8 else value

    monkeypatch.setattr(train_module, "pixel_loss", poisoned)
    with pytest.raises(TrainingStopped, match="last good checkpoint"):
        fit(FitConfig(dataset=str(shards), out=str(tmp_path / "nan"), steps=20, **FAST))
    ckpt = load_checkpoint(tmp_path / "nan" / "last.pt")
    assert ckpt["step"] == 5 and all(torch.isfinite(v).all() for v in ckpt["state_dict"].values())


@pytest.mark.slow
def test_two_cpu_processes_with_torchrun_end_with_identical_weights(shards, tmp_path):
    from conftest import torchrun_fit

    out = tmp_path / "ddp"
    proc = torchrun_fit(shards, out, "--variant", "sixteenth", "--steps", "4", "--batch", "2", "--crop", "48",
                        "--val-every", "2", "--val-samples", "8")
    assert proc.returncode == 0, proc.stderr[-3000:]
    check = json.loads((out / "ddp_check.json").read_text())
    assert check["world_size"] == 2 and check["identical"] is True
    assert load_checkpoint(out / "last.pt")["args"]["steps"] == 4


@pytest.mark.slow
def test_bad_data_gives_clear_errors_or_counted_skips(shards, tmp_path, capfd):
    with pytest.raises(DataError, match="no such folder"):
        fit(FitConfig(dataset=str(tmp_path / "missing"), out=str(tmp_path / "r1"), **FAST))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no training shards"):
        fit(FitConfig(dataset=str(tmp_path / "empty"), out=str(tmp_path / "r2"), **FAST))
    # wrong sample keys: a shard whose samples hold other files
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    with tarfile.open(sorted(shards.glob("train-*.tar"))[0]) as src, tarfile.open(wrong / "train-000000.tar", "w") as tf:
        for member in src.getmembers():
            if member.name.endswith(".input.png"):
                data = src.extractfile(member).read()
                member.name = member.name.replace(".input.png", ".rough.png")
                tf.addfile(member, io.BytesIO(data))
    with pytest.raises(Exception, match=r"art-d\d\d-\d{4}.*missing.*input.png.*rough.png"):
        fit(FitConfig(dataset=str(wrong), out=str(tmp_path / "r3"), steps=2, **{**FAST, "norm_samples": 0}))
    # a truncated shard (a torn download): its broken tail is skipped with a message, training goes on
    corrupt = sorted(shards.glob("train-*.tar"))[0]
    data = corrupt.read_bytes()
    corrupt.write_bytes(data[: int(len(data) * 0.6)])
    result = fit(FitConfig(dataset=str(shards), out=str(tmp_path / "r4"), steps=4, **{**FAST, "norm_samples": 0}))
    assert result.step == 4
    assert "skipped unreadable data" in capfd.readouterr().err


def test_tampered_or_foreign_checkpoints_are_refused(tmp_path):
    (tmp_path / "evil.pt").write_bytes(b"\x80\x04cos\nsystem\n(S'echo hacked'\ntR.")
    with pytest.raises(CheckpointError, match="refused: the file holds pickled code.*os.system"):
        load_checkpoint(tmp_path / "evil.pt")
    torch.save({"0.weight": torch.zeros(1)}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not a sketchtrain checkpoint"):
        load_checkpoint(tmp_path / "foreign.pt")


def test_cosine_schedule_is_a_function_of_the_step():
    from sketchtrain.training.loop import _learning_rate

    cfg = FitConfig(dataset="d", out="o", steps=100, lr_schedule="cosine")
    assert _learning_rate(cfg, 1e-3, 0) == pytest.approx(1e-3)
    assert _learning_rate(cfg, 1e-3, 50) == pytest.approx(5e-4)
    assert _learning_rate(cfg, 1e-3, 100) == pytest.approx(0.0, abs=1e-12)
    assert _learning_rate(FitConfig(dataset="d", out="o", steps=100), 1e-3, 70) == 1e-3
    with pytest.raises(ValueError, match="lr-schedule"):
        FitConfig(dataset="d", out="o", lr_schedule="step").validate()


@pytest.mark.slow
def test_fine_tuning_starts_from_released_weights_with_their_constants(shards, tmp_path):
    from sketchtrain.models.fcn import released_sequential

    torch.manual_seed(5)
    torch.save(released_sequential(1 / 16).state_dict(), tmp_path / "model_mse.pth")
    result = fit(FitConfig(dataset=str(shards), out=str(tmp_path / "ft"), steps=2, init=str(tmp_path / "model_mse.pth"),
                           **FAST))
    ckpt = load_checkpoint(tmp_path / "ft" / "last.pt")
    assert result.step == 2 and ckpt["model"]["norm_mean"] == pytest.approx(0.9664423107454593)
    with pytest.raises(ValueError, match="width"):
        fit(FitConfig(dataset=str(shards), out=str(tmp_path / "ft2"), steps=2, init=str(tmp_path / "model_mse.pth"),
                      **{**FAST, "variant": "eighth"}))


@pytest.mark.slow
def test_tensorboard_event_files_mirror_metrics_jsonl(shards, tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = tmp_path / "run"
    result = fit(FitConfig(dataset=str(shards), out=str(run), steps=6, tensorboard=True, **{**FAST, "val_every": 3}))
    events = EventAccumulator(str(run / "tensorboard"), size_guidance={"images": 0, "scalars": 0}).Reload()
    train = [(e.step, e.value) for e in events.Scalars("train/loss")]
    logged = [(h["step"], h["loss"]) for h in result.history if h["kind"] == "train"]
    assert [s for s, _ in train] == [s for s, _ in logged]
    assert all(abs(a - b) < 1e-6 for (_, a), (_, b) in zip(train, logged))
    assert [e.step for e in events.Scalars("val/loss")] == [0, 3, 6]
    assert len(events.Images("progress")) == 3


def _weights(run_dir):
    return load_checkpoint(run_dir / "last.pt")["state_dict"]


@pytest.mark.slow
def test_compile_without_a_compiler_or_when_it_fails_trains_eager_with_a_note(shards, tmp_path, monkeypatch):
    """--compile never stops a run: no C++ compiler, or a compiler error at the first step, gives a
    one-line note and the very same training as eager."""
    import sketchtrain.training.compiled as compiled

    eager = fit(FitConfig(dataset=str(shards), out=str(tmp_path / "eager"), steps=6, **FAST))
    notes = []

    def on_event(kind, data):
        if kind == "note":
            notes.append(data["message"])

    monkeypatch.setattr(compiled, "compiler_missing", lambda: "no C++ compiler (test)")
    fit(FitConfig(dataset=str(shards), out=str(tmp_path / "nocxx"), steps=6, compile=True, **FAST), on_event=on_event)
    assert notes == ["torch.compile off: no C++ compiler (test); training eager"]

    class Broken(torch.nn.Module):
        def __init__(self, module):
            super().__init__()
            self.module = module

        def forward(self, *args, **kwargs):
            raise RuntimeError("unsupported op (test)\ndetails")

    monkeypatch.setattr(compiled, "compiler_missing", lambda: None)
    monkeypatch.setattr(torch, "compile", lambda module, **kw: Broken(module))
    fit(FitConfig(dataset=str(shards), out=str(tmp_path / "broken"), steps=6, compile=True, **FAST), on_event=on_event)
    assert notes[1] == "torch.compile failed on the first step (RuntimeError: unsupported op (test)); training eager"
    for run in ("nocxx", "broken"):
        for name, value in _weights(tmp_path / "eager").items():
            assert torch.equal(value, _weights(tmp_path / run)[name]), (run, name)
    assert eager.step == 6


@pytest.mark.slow
def test_compiled_training_learns_and_resumes_exactly(shards, tmp_path):
    """The inductor path for real (this machine has g++): it lowers the loss, and a resumed
    compiled run matches an uninterrupted one."""
    from sketchtrain.training.compiled import compiler_missing

    if compiler_missing():
        pytest.skip(compiler_missing())
    args = {**FAST, "val_every": 6, "ckpt_every": 6}
    straight = fit(FitConfig(dataset=str(shards), out=str(tmp_path / "a"), steps=12, compile=True, optimizer="adam",
                             lr=3e-3, **args))
    fit(FitConfig(dataset=str(shards), out=str(tmp_path / "b"), steps=6, compile=True, optimizer="adam", lr=3e-3, **args))
    resumed = fit(FitConfig(dataset=str(shards), out=str(tmp_path / "b"), steps=12, compile=True, resume=True,
                            optimizer="adam", lr=3e-3, **args))
    losses = lambda r: [(h["step"], h["kind"], h["loss"]) for h in r.history]
    assert losses(straight) == losses(resumed)
    assert straight.last_val_loss < straight.first_val_loss


@pytest.mark.slow
def test_a_mix_of_datasets_trains_on_both_records_them_and_resumes_only_on_the_same_mix(tiny_project, shards,
                                                                                        tmp_path):
    from sketchtrain.training.data import training_pool

    other = Path(build_dataset(load_recipe(tiny_project / "recipe.yaml").model_copy(update={"seed": 7}),
                               tmp_path / "other").out_dir)
    alone_train, alone_val, alone_hash = training_pool(shards, None)
    train, val, mixed_hash = training_pool(shards, [str(other)])
    other_train = sorted(str(p) for p in other.glob("train-*.tar"))
    assert train == alone_train + other_train and val == alone_val  # validation stays on DATASET
    assert mixed_hash != alone_hash and len(mixed_hash) == 16
    cfg = dict(dataset=str(shards), out=str(tmp_path / "run"), mix=[str(other)], **FAST)
    fit(FitConfig(steps=5, **cfg))
    ckpt = load_checkpoint(tmp_path / "run" / "last.pt")
    assert ckpt["dataset"]["mix"] == [str(other)] and ckpt["dataset"]["manifest_sha256_16"] == mixed_hash
    assert fit(FitConfig(steps=7, resume=True, **cfg)).step == 7
    with pytest.raises(ValueError, match="other data"):  # the same run without its mix
        fit(FitConfig(steps=9, resume=True, **{**cfg, "mix": None}))
    with pytest.raises(ValueError, match="names a dataset twice"):
        FitConfig(steps=5, **{**cfg, "out": str(tmp_path / "run2"), "mix": [str(shards)]})
    with pytest.raises(ValueError, match="is the dataset folder"):
        FitConfig(steps=5, **{**cfg, "out": str(other)})
    with pytest.raises(DataError, match="no such folder"):
        fit(FitConfig(steps=5, **{**cfg, "out": str(tmp_path / "run3"), "mix": [str(tmp_path / "missing")]}))


def test_weight_average_follows_the_ramp_then_its_decay_and_copies_counters():
    from sketchtrain.training.averaging import WeightAverage

    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    average = WeightAverage(model, decay=0.5)
    assert average.decay_at(0) == 0.1 and average.decay_at(100) == 0.5
    start = model[0].weight.detach().clone()
    with torch.no_grad():
        model[0].weight.add_(1.0)
    model[1].num_batches_tracked.fill_(7)
    average.update(model, 100)  # decay 0.5: halfway from the start to the new weights
    assert torch.allclose(average.model[0].weight, start + 0.5)
    assert int(average.model[1].num_batches_tracked) == 7
    assert not any(p.requires_grad for p in average.model.parameters())


@pytest.mark.slow
def test_ema_run_saves_the_average_as_its_weights_and_resumes_exactly(shards, tmp_path):
    cfg = dict(dataset=str(shards), optimizer="adam", lr=3e-3, ema=0.9, **FAST)
    straight = fit(FitConfig(out=str(tmp_path / "a"), steps=10, **cfg))
    fit(FitConfig(out=str(tmp_path / "b"), steps=5, **cfg))
    resumed = fit(FitConfig(out=str(tmp_path / "b"), steps=10, resume=True, **cfg))
    losses = lambda r: [(h["step"], h["kind"], h["loss"]) for h in r.history]
    assert losses(straight) == losses(resumed)
    a, b = load_checkpoint(tmp_path / "a" / "last.pt"), load_checkpoint(tmp_path / "b" / "last.pt")
    for key in ("state_dict", "training_state_dict"):
        assert all(torch.equal(a[key][k], b[key][k]) for k in a[key]), key
    # the checkpoint's weights are the average, not the optimised weights
    assert any(not torch.equal(a["state_dict"][k], a["training_state_dict"][k]) for k in a["state_dict"])
    model_from_checkpoint(a)  # loads as a plain model everywhere
    from sketchtrain.release.slim import save_slim

    slim = save_slim(tmp_path / "a" / "last.pt", tmp_path / "shipped.pt")  # ships the average alone
    assert "training_state_dict" not in slim
    assert all(torch.equal(slim["state_dict"][k], a["state_dict"][k].half() if a["state_dict"][k].is_floating_point()
                           else a["state_dict"][k]) for k in a["state_dict"])
    with pytest.raises(ValueError, match="ema was 0.9"):
        fit(FitConfig(out=str(tmp_path / "a"), steps=12, resume=True, **{**cfg, "ema": 0.99}))
    with pytest.raises(ValueError, match="--ema must be in"):
        FitConfig(out=str(tmp_path / "c"), steps=5, **{**cfg, "ema": 1.0})
