"""The shipped Fashion-scenes segmenter: files, the example scene, the served export."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "saved_models" / "fashion_scenes_segmenter"
SCENE = ROOT / "examples" / "scene.png"


def newest_version():
    """The version TF Serving serves by default: the highest number (model.keras's export)."""
    from kerasvision.tasks.saved_model_classifier import resolve_version_dir

    return resolve_version_dir(SHIPPED)


@pytest.fixture(scope="module")
def segmenter():
    from kerasvision.tasks.image_segmenter import ImageSegmenter

    return ImageSegmenter.load()


def test_shipped_folder_is_complete(segmenter):
    from kerasvision.data.fashion_mnist import CLASS_NAMES

    assert segmenter.class_names == ["background", *CLASS_NAMES]
    version = newest_version().name
    for name in ("model.keras", "MODEL_CARD.md", "metrics.json", "test_overlays.png",
                 f"{version}/saved_model.pb", f"{version}/assets/labels.txt",
                 f"{version}/assets.extra/tf_serving_warmup_requests"):
        assert (SHIPPED / name).is_file(), name
    metrics = json.loads((SHIPPED / "metrics.json").read_text())
    assert 0 < metrics["test"]["mean_iou"] <= 1


def test_example_scene_is_mostly_labelled_right(segmenter):
    from kerasvision.data.fashion_scenes import FashionScenes
    from kerasvision.io import read_image

    truth = FashionScenes("validation", seed=7, count=2).scene(1).semantic_mask
    predicted = segmenter.predict([read_image(SCENE, channels=3)])[0]
    assert predicted.shape == truth.shape
    # Background and item pixels are told apart on the example scene (measured when shipped).
    assert np.mean((predicted > 0) == (truth > 0)) > 0.9


def test_served_class_map_equals_predict_in_a_fresh_process(segmenter, tmp_path):
    from kerasvision.io import read_image

    script = textwrap.dedent(f"""
        import sys
        sys.modules["kerasvision"] = None
        import numpy as np, tensorflow as tf
        data = open({str(SCENE)!r}, "rb").read()
        out = tf.saved_model.load({str(newest_version())!r}).signatures["serving_default"](
            image_bytes=tf.constant([data]))
        np.save({str(tmp_path / 'map.npy')!r}, out["class_map"].numpy())
        np.save({str(tmp_path / 'scores.npy')!r}, out["scores"].numpy())
    """)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=tmp_path)
    served = np.load(tmp_path / "map.npy")[0]
    want = segmenter.predict([read_image(SCENE, channels=3)])[0]
    assert np.mean(served == want) > 0.999  # float order may flip a tie or two
    # The serving contract: scores [N, h, w, C] beside the class map, at image size.
    scores = np.load(tmp_path / "scores.npy")
    assert scores.shape == (1, *want.shape, len(segmenter.class_names))
    assert np.mean(scores[0].argmax(-1) == served) > 0.999
