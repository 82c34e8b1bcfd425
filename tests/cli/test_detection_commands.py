"""`kerasvision detect`, `evaluate --task detect` and `train detector`, end to end."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from kerasvision.data.fashion_mnist import CLASS_NAMES


def run_cli(*args, cwd):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "kerasvision.cli.main", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A tiny Fashion-class detector file, four written scenes, and a broken image."""
    import keras

    from kerasvision.data.fashion_scenes_writer import write_scenes_dataset
    from kerasvision.models.detection.backbone_ssd import ssd
    from kerasvision.tasks.object_detector import ObjectDetector

    root = tmp_path_factory.mktemp("detect")
    keras.utils.set_random_seed(0)
    model = ssd(input_shape=(64, 64, 3), num_classes=10, backbone_kwargs={"width": 0.125},
                extra_channels=16, max_detections=10)
    ObjectDetector(model, list(CLASS_NAMES)).save(root / "detector.keras")
    write_scenes_dataset(root / "scenes", 4, split="validation", size=(64, 64),
                         progress=False)
    (root / "inputs").mkdir()
    for name in ("000000.png", "000001.png"):
        (root / "inputs" / name).write_bytes((root / "scenes" / "images" / name).read_bytes())
    (root / "inputs" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return root


def test_detect_writes_pictures_and_json_and_survives_a_bad_file(workspace):
    result = run_cli("detect", "inputs", "--model", "detector.keras", "--threshold", "0.0",
                     "--output", "drawn", "--json", cwd=workspace)
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("kerasvision:")]
    assert len(errors) == 1 and "broken.png" in errors[0]
    answers = json.loads(result.stdout)
    assert [a["image"] for a in answers] == ["inputs/000000.png", "inputs/000001.png"]
    for answer in answers:
        assert answer["detections"], "an untrained model at threshold 0 finds something"
        for d in answer["detections"]:
            assert set(d) == {"label", "class_id", "score", "box"}
            assert d["label"] == CLASS_NAMES[d["class_id"]]
            x0, y0, x1, y1 = d["box"]
            assert 0 <= x0 <= x1 <= 64 and 0 <= y0 <= y1 <= 64
    drawn = sorted(os.listdir(workspace / "drawn"))
    assert drawn == ["000000.detections.png", "000001.detections.png"]
    picture = np.asarray(Image.open(workspace / "drawn" / drawn[0]))
    assert picture.shape == (384, 384, 3)  # enlarged ×6 so labels are readable


def test_detect_prints_one_line_per_image(workspace):
    result = run_cli("detect", "inputs/000000.png", "--model", "detector.keras",
                     "--threshold", "1.0", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "inputs/000000.png: nothing found"


def test_evaluate_reports_coco_metrics(workspace):
    result = run_cli("evaluate", "--task", "detect", "--model", "detector.keras",
                     "--annotations", "scenes/annotations.json", cwd=workspace)
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert 0.0 <= metrics["mAP"] <= metrics["mAP50"] <= 1.0
    assert metrics["images"] == 4
    assert set(metrics["per_class_AP50"]) == set(CLASS_NAMES)


def test_export_of_a_detector_file(workspace):
    result = run_cli("export", "detector.keras", "--output", "served", "--no-warmup",
                     cwd=workspace)
    assert result.returncode == 0, result.stderr
    version = workspace / "served" / "1"
    assert (version / "assets" / "label_map.pbtxt").is_file()
    assert result.stdout.strip().endswith("served/1")


@pytest.mark.slow
def test_train_detector_runs_to_a_scored_model(workspace):
    args = ("train", "detector", "--minutes", "0.05", "--image-size", "64", "--width", "0.125",
            "--batch-size", "4", "--steps-per-epoch", "3", "--validation-scenes", "3",
            "--workdir", "run")
    first = run_cli(*args, cwd=workspace)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["default_boxes"] > 0 and "mAP50" in summary["validation"]
    assert (workspace / "run" / "final.keras").is_file()
    assert json.loads((workspace / "run" / "budget.json").read_text())["minutes_spent"] > 0
