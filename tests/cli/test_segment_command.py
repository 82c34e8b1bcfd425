"""`kerasvision segment`, `evaluate --task segment` and `train segmenter`, end to end."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from kerasvision.data.fashion_mnist import CLASS_NAMES

NAMES = ["background", *CLASS_NAMES]


def run_cli(*args, cwd):
    """The command in a fresh process (as a user runs it)."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "kerasvision.cli.main", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


def invoke(*args):
    """The command in this process (TensorFlow already loaded: seconds, not tens)."""
    from click.testing import CliRunner

    from kerasvision.cli.main import cli

    return CliRunner().invoke(cli, list(args), obj={})


@pytest.fixture
def inside(workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    return workspace


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A tiny 11-class segmenter file, three written scenes, and a broken image."""
    import keras

    from kerasvision.data.fashion_scenes_writer import write_scenes_dataset
    from kerasvision.models.segmentation.backbone_fcn import backbone_fcn
    from kerasvision.tasks.image_segmenter import ImageSegmenter

    root = tmp_path_factory.mktemp("segment")
    keras.utils.set_random_seed(0)
    model = backbone_fcn((64, 64, 3), classes=11, backbone_kwargs={"width": 0.125},
                         decoder_channels=8)
    ImageSegmenter(model, NAMES).save(root / "segmenter.keras")
    write_scenes_dataset(root / "scenes", 3, split="validation", size=(64, 64), progress=False)
    (root / "inputs").mkdir()
    for name in ("000000.png", "000001.png"):
        (root / "inputs" / name).write_bytes((root / "scenes" / "images" / name).read_bytes())
    # A second size in the same run: the class map must come back at 48×80.
    Image.open(root / "scenes" / "images" / "000002.png").resize((80, 48)).save(
        root / "inputs" / "wide.png")
    (root / "inputs" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return root


def test_segment_writes_pictures_and_json_and_survives_a_bad_file(inside):
    workspace = inside
    result = invoke("segment", "inputs", "--model", "segmenter.keras", "--output", "drawn",
                    "--json")
    assert result.exit_code == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("kerasvision:")]
    assert len(errors) == 1 and "broken.png" in errors[0]
    answers = json.loads(result.stdout)
    assert [a["image"] for a in answers] == ["inputs/000000.png", "inputs/000001.png",
                                             "inputs/wide.png"]
    for answer in answers:
        fractions = [c["pixel_fraction"] for c in answer["classes"]]
        assert fractions == sorted(fractions, reverse=True)
        assert sum(fractions) == pytest.approx(1.0, abs=1e-5)
        for c in answer["classes"]:
            assert set(c) == {"label", "class_id", "pixel_fraction"}
            assert c["label"] == NAMES[c["class_id"]]
    drawn = sorted(os.listdir(workspace / "drawn"))
    assert drawn == sorted(f"{stem}.{kind}.png" for stem in ("000000", "000001", "wide")
                           for kind in ("mask", "overlay", "legend"))
    # The mask is a palette PNG of class ids at the image's size; its fractions are the JSON's.
    mask = Image.open(workspace / "drawn" / "wide.mask.png")
    assert mask.mode == "P" and mask.size == (80, 48)
    ids = np.asarray(mask)
    for c in answers[2]["classes"]:
        assert np.mean(ids == c["class_id"]) == pytest.approx(c["pixel_fraction"], abs=1e-6)
    assert Image.open(workspace / "drawn" / "wide.overlay.png").size == (80, 48)
    legend = Image.open(workspace / "drawn" / "wide.legend.png")
    assert legend.mode == "RGB" and legend.height >= 16 * len(answers[2]["classes"])


def test_segment_prints_one_line_per_image(inside):
    result = invoke("segment", "inputs/000000.png", "--model", "segmenter.keras")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("inputs/000000.png: ")
    assert "%" in lines[0]


def test_segment_with_a_crf_refines_at_the_original_size(inside):
    pytest.importorskip("pydensecrf")
    result = invoke("segment", "inputs/wide.png", "--model", "segmenter.keras", "--crf",
                    "--output", "refined", "--json")
    assert result.exit_code == 0, result.stderr
    [answer] = json.loads(result.stdout)
    assert sum(c["pixel_fraction"] for c in answer["classes"]) == pytest.approx(1.0, abs=1e-5)
    assert Image.open(inside / "refined" / "wide.mask.png").size == (80, 48)


def test_evaluate_segment_reports_mean_iou(inside):
    workspace = inside
    result = invoke("evaluate", "--task", "segment", "--model", "segmenter.keras",
                    "--images", "scenes/images", "--masks", "scenes/masks",
                    "--confusion", "confusion.png")
    assert result.exit_code == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["images"] == 3 and 0.0 <= metrics["mean_iou"] <= 1.0
    assert list(metrics["per_class_iou"]) == NAMES
    counts = np.asarray(metrics["confusion_matrix"])
    assert counts.shape == (11, 11) and counts.sum() == 3 * 64 * 64
    assert metrics["pixel_accuracy"] == pytest.approx(np.trace(counts) / counts.sum())
    assert (workspace / "confusion.png").stat().st_size > 0


@pytest.mark.slow
def test_train_segmenter_runs_to_a_scored_model(workspace):
    args = ("train", "segmenter", "--minutes", "0.05", "--image-size", "64", "--width",
            "0.125", "--decoder-channels", "8", "--batch-size", "4", "--steps-per-epoch", "3",
            "--validation-scenes", "3", "--workdir", "run")
    result = run_cli(*args, cwd=workspace)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert 0.0 <= summary["validation"]["mean_iou"] <= 1.0
    assert list(summary["validation"]["per_class_iou"]) == NAMES
    assert (workspace / "run" / "final.keras").is_file()
    assert json.loads((workspace / "run" / "budget.json").read_text())["minutes_spent"] > 0
