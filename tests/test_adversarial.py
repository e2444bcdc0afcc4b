"""fit --adversarial: the objective's terms by hand, the discriminator's labels, exact resume,
short runs that move both networks, and training on unpaired data alone."""

import json
import math
from pathlib import Path

import pytest
import torch

from sketchdata.shards.build import build_dataset
from sketchdata.recipe import load_recipe
import sketchtrain.training.adversarial as adversary_module
from sketchtrain.training.adversarial import bce_with_label, discriminator_objective, generator_objective
from sketchtrain.models.checkpoint import load_checkpoint
from sketchtrain.models.discriminator import Discriminator
from sketchtrain.inference.runner import load_model
from sketchtrain.training.loop import FitConfig, fit
from test_unpaired import unpaired_recipe

FAST = dict(variant="sixteenth", batch=2, crop=64, val_every=4, ckpt_every=4, val_samples=4, workers=0,
            epoch_batches=5, threads=2, norm_samples=8, rough_batch=2, line_batch=2, optimizer="adam", lr=1e-3)


def _sig(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_each_term_of_the_objective_equals_the_hand_computed_value():
    d_pairs, d_rough = torch.tensor([[0.5], [-1.0]]), torch.tensor([[2.0]])
    supervised = torch.tensor(0.25)
    total, parts = generator_objective(supervised, d_pairs, d_rough, alpha=0.1, beta=0.3)
    adv_pairs = 0.1 * -(math.log(_sig(0.5)) + math.log(_sig(-1.0))) / 2  # judged real: -log D
    adv_rough = 0.3 * -math.log(_sig(2.0))
    assert parts["supervised"] == pytest.approx(0.25)
    assert parts["adv_pairs"] == pytest.approx(adv_pairs, rel=1e-5)
    assert parts["adv_rough"] == pytest.approx(adv_rough, rel=1e-5)
    assert float(total) == pytest.approx(0.25 + adv_pairs + adv_rough, rel=1e-5)

    fake_p, real_p, fake_r, real_l = (torch.tensor([[v]]) for v in (1.0, -2.0, 0.0, 3.0))
    total, parts = discriminator_objective(fake_p, real_p, fake_r, real_l)
    expected = {"fake_pairs": -math.log(1 - _sig(1.0)), "real_pairs": -math.log(_sig(-2.0)),
                "fake_rough": -math.log(1 - _sig(0.0)), "real_lines": -math.log(_sig(3.0))}
    for name, value in expected.items():
        assert parts[name] == pytest.approx(value, rel=1e-5), name
    assert float(total) == pytest.approx(sum(expected.values()), rel=1e-5)
    # absent batches are left out, never counted as zeros
    assert set(discriminator_objective(None, None, fake_r, real_l)[1]) == {"fake_rough", "real_lines"}
    assert set(generator_objective(None, None, d_rough)[1]) == {"adv_rough"}
    assert float(bce_with_label(torch.tensor([[0.0]]), 1.0)) == pytest.approx(math.log(2))


@pytest.mark.slow
def test_the_discriminator_takes_any_crop_and_returns_one_logit_per_image():
    judge = Discriminator()
    for side in (64, 128, 384):
        assert judge(torch.rand(3, 1, side, side)).shape == (3, 1)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict:
    """Shards with pairs and both unpaired sets, shards with only unpaired sets, and a
    supervised model to start from."""
    root = tmp_path_factory.mktemp("adv")
    both = Path(build_dataset(load_recipe(unpaired_recipe(root / "both"))).out_dir)
    only = Path(build_dataset(load_recipe(unpaired_recipe(root / "only", paired=False))).out_dir)
    fit(FitConfig(dataset=str(both), out=str(root / "supervised"), steps=4, **FAST))
    return {"both": both, "only": only, "init": str(root / "supervised" / "last.pt")}


@pytest.mark.slow
def test_the_discriminator_sees_each_kind_of_data_with_its_label(data, tmp_path, monkeypatch):
    """A stand-in discriminator that scores each image by its mean: the objective must get
    G(pairs) and G(rough) as fakes, the clean targets and the unpaired lines as reals."""
    seen = {}
    real_objective = adversary_module.discriminator_objective

    def recording(fake_p, real_p, fake_r, real_l):
        seen.update(fake_p=fake_p.detach().clone(), real_p=real_p.detach().clone(), fake_r=fake_r.detach().clone(),
                    real_l=real_l.detach().clone())
        return real_objective(fake_p, real_p, fake_r, real_l)

    class MeanJudge(Discriminator):
        def forward(self, image):
            return image.float().mean(dim=(1, 2, 3))[:, None] + 0 * super().forward(image)

    captured = {}
    real_step = adversary_module.Adversary.step

    def capture(self, run, inp, tgt, weights):
        captured["tgt"] = tgt.detach().clone()
        return real_step(self, run, inp, tgt, weights)

    monkeypatch.setattr(adversary_module, "discriminator_objective", recording)
    monkeypatch.setattr("sketchtrain.models.discriminator.Discriminator", MeanJudge)
    monkeypatch.setattr(adversary_module.Adversary, "step", capture)
    fit(FitConfig(dataset=str(data["both"]), out=str(tmp_path / "run"), steps=1, adversarial=True, init=data["init"],
                  d_pretrain=0, **{**FAST, "precision": "fp32"}))
    assert torch.allclose(seen["real_p"][:, 0], captured["tgt"].mean(dim=(1, 2, 3)))
    assert seen["fake_p"].shape[0] == FAST["batch"] and seen["fake_r"].shape[0] == FAST["rough_batch"]
    assert seen["real_l"].shape[0] == FAST["line_batch"]
    # line drawings are mostly paper; generated images of rough input are greyer than targets
    assert float(seen["real_l"].mean()) > 0.8


def _weights(state: dict) -> torch.Tensor:
    return torch.cat([v.float().flatten() for k, v in state.items() if v.is_floating_point()])


@pytest.mark.slow
def test_a_short_run_moves_both_networks_and_writes_loadable_checkpoints(data, tmp_path):
    out = tmp_path / "run"
    common = dict(dataset=str(data["both"]), out=str(out), adversarial=True, init=data["init"], d_pretrain=2, **FAST)
    fit(FitConfig(steps=2, **common))  # the discriminator's pre-training only
    pretrained = load_checkpoint(out / "last.pt")
    start = load_checkpoint(data["init"])
    params = lambda ckpt: {k: v for k, v in ckpt["state_dict"].items() if "running" not in k and "num_batches" not in k}  # noqa: E731
    assert torch.equal(_weights(params(pretrained)), _weights(params(start)))  # the generator waited
    result = fit(FitConfig(steps=6, resume=True, **common))
    assert not torch.equal(_weights(load_checkpoint(out / "last.pt")["discriminator"]),
                           _weights(pretrained["discriminator"]))  # the discriminator moved
    kinds = [row["kind"] for row in result.history if row["kind"] in ("d_pretrain", "train")]
    assert kinds == ["d_pretrain"] * 2 + ["train"] * 4
    trained = [row for row in result.history if row["kind"] == "train"]
    assert all({"supervised", "adv_pairs", "adv_rough", "d_loss"} <= set(row) for row in trained)
    ckpt = load_checkpoint(out / "last.pt")
    assert not torch.equal(_weights(params(ckpt)), _weights(params(start)))  # the generator moved
    assert "discriminator" in ckpt and "d_optimizer" in ckpt
    assert ckpt["d_optimizer"]["state"], "the discriminator's optimiser took steps"
    model, info = load_model(out / "last.pt")  # still a plain model for simplify / export / evaluate
    assert info["kind"] == "checkpoint" and model(torch.rand(1, 1, 64, 64)).shape == (1, 1, 64, 64)
    # progression pictures include the unpaired rough inputs (4 pairs + 2 rough rows)
    assert sorted((out / "progress").glob("step-*.png"))


@pytest.mark.slow
def test_adversarial_resume_is_exact(data, tmp_path):
    common = dict(dataset=str(data["both"]), adversarial=True, init=data["init"], d_pretrain=2, **FAST)
    straight = fit(FitConfig(out=str(tmp_path / "a"), steps=8, **common))
    fit(FitConfig(out=str(tmp_path / "b"), steps=4, **common))
    resumed = fit(FitConfig(out=str(tmp_path / "b"), steps=8, resume=True, **common))
    rows = lambda r: [(h["step"], h["kind"], h.get("loss"), h.get("d_loss")) for h in r.history]
    assert rows(straight) == rows(resumed)
    a, b = load_checkpoint(tmp_path / "a" / "last.pt"), load_checkpoint(tmp_path / "b" / "last.pt")
    assert torch.equal(_weights(a["discriminator"]), _weights(b["discriminator"]))
    with pytest.raises(ValueError, match="beta was"):
        fit(FitConfig(out=str(tmp_path / "b"), steps=10, resume=True, **{**common, "beta": 1e-3}))


@pytest.mark.slow
def test_unpaired_data_alone_still_moves_the_generator(data, tmp_path):
    out = tmp_path / "run"
    result = fit(FitConfig(dataset=str(data["only"]), out=str(out), steps=4, adversarial=True, init=data["init"],
                           d_pretrain=1, **{**FAST, "beta": 1.0}))
    trained = [row for row in result.history if row["kind"] == "train"]
    assert trained and all("supervised" not in row and "adv_rough" in row for row in trained)
    assert not torch.equal(_weights(load_checkpoint(out / "last.pt")["state_dict"]),
                           _weights(load_checkpoint(data["init"])["state_dict"]))

@pytest.mark.slow

def test_clear_errors_for_missing_pieces(data, tmp_path):
    with pytest.raises(ValueError, match="pass --init"):
        fit(FitConfig(dataset=str(data["both"]), out=str(tmp_path / "x"), steps=2, adversarial=True, **FAST))
    supervised_only = tmp_path / "plain"
    supervised_only.mkdir()
    manifest = json.loads((data["both"] / "manifest.json").read_text())
    manifest["shards"] = {split: names for split, names in manifest["shards"].items() if not split.startswith("unpaired")}
    for names in manifest["shards"].values():
        for name in names:
            (supervised_only / name).write_bytes((data["both"] / name).read_bytes())
    (supervised_only / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(Exception, match="no unpaired rough shards"):
        fit(FitConfig(dataset=str(supervised_only), out=str(tmp_path / "y"), steps=2, adversarial=True,
                      init=data["init"], **FAST))


@pytest.mark.slow
def test_a_nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint(data, tmp_path, monkeypatch):
    from sketchtrain.training.loop import TrainingStopped

    real = adversary_module.generator_objective

    def poisoned(*args, **kwargs):
        total, parts = real(*args, **kwargs)
        return total * float("nan"), parts

    monkeypatch.setattr(adversary_module, "generator_objective", poisoned)
    with pytest.raises(TrainingStopped, match="loss became nan"):
        fit(FitConfig(dataset=str(data["both"]), out=str(tmp_path / "nan"), steps=6, adversarial=True,
                      init=data["init"], d_pretrain=2, **FAST))
    assert load_checkpoint(tmp_path / "nan" / "last.pt")["step"] == 0


@pytest.mark.slow
def test_two_cpu_processes_with_torchrun_train_adversarially_and_agree(data, tmp_path):
    from conftest import torchrun_fit

    out = tmp_path / "ddp"
    proc = torchrun_fit(data["both"], out, "--variant", "sixteenth", "--steps", "4", "--batch", "2", "--crop", "64",
                        "--val-every", "2", "--val-samples", "4", "--adversarial", "--init", data["init"],
                        "--d-pretrain", "1", "--rough-batch", "2", "--line-batch", "2", "--optimizer", "adam",
                        "--lr", "1e-3")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads((out / "ddp_check.json").read_text())["identical"] is True
    assert "discriminator" in load_checkpoint(out / "last.pt")
