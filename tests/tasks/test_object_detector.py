"""ObjectDetector: predictions in original pixels, persistence, evaluation, the OD-API export."""

import base64
import io
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

CLASSES = ["circle", "square", "triangle"]


@pytest.fixture(scope="module")
def detector():
    from kerasvision.models.detection.backbone_ssd import ssd
    from kerasvision.tasks.object_detector import ObjectDetector

    import keras

    keras.utils.set_random_seed(3)
    model = ssd(input_shape=(64, 64, 3), num_classes=3, backbone_kwargs={"width": 0.125},
                extra_channels=16, max_detections=20)
    return ObjectDetector(model, CLASSES)


def _images():
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8),
            rng.integers(0, 256, (40, 90, 3), dtype=np.uint8)]


def _png(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_boxes_are_in_original_pixels(detector):
    images = _images()
    answers = detector.predict(images, threshold=0.0)
    assert len(answers) == 2 and all(answers)
    for image, detections in zip(images, answers):
        height, width = image.shape[:2]
        for d in detections:
            assert d.label == CLASSES[d.class_id]
            x0, y0, x1, y1 = d.box
            assert 0 <= x0 <= x1 <= width and 0 <= y0 <= y1 <= height
        scores = [d.score for d in detections]
        assert scores == sorted(scores, reverse=True)
    # At the model's own size nothing moves: boxes are the model's, clipped to the image.
    raw = detector.model.predict(images[0][None].astype("float32"), verbose=0)
    count = int(raw["num_detections"][0])
    want = np.clip(raw["boxes"][0, :count], 0, 64)
    np.testing.assert_allclose([d.box for d in answers[0]], want, atol=1e-3)


def test_threshold_filters(detector):
    everything = detector.predict(_images()[:1], threshold=0.0)[0]
    cut = np.median([d.score for d in everything])
    kept = detector.predict(_images()[:1], threshold=cut)[0]
    assert kept == [d for d in everything if d.score >= cut]


def test_keras_file_round_trip_dispatches_to_the_detector(detector, tmp_path):
    from kerasvision.tasks.object_detector import ObjectDetector
    from kerasvision.tasks.task import Task

    detector.save(tmp_path / "d.keras")
    loaded = Task.load(tmp_path / "d.keras")
    assert isinstance(loaded, ObjectDetector)
    assert loaded.class_names == CLASSES and loaded.preprocessor == detector.preprocessor
    assert loaded.predict(_images(), threshold=0.0) == detector.predict(_images(), threshold=0.0)


def test_evaluate_gives_coco_metrics(detector):
    images = _images()
    boxes = [np.array([[5, 5, 30, 30]], np.float32), np.zeros((0, 4), np.float32)]
    classes = [np.array([1]), np.zeros((0,), int)]
    metrics = detector.evaluate(images, boxes, classes)
    assert 0.0 <= metrics["mAP"] <= metrics["mAP50"] <= 1.0
    assert set(metrics["per_class_AP50"]) == set(CLASSES)


def test_label_map_is_od_api_style(detector):
    text = detector.serving_assets()["label_map.pbtxt"]
    assert text.startswith('item {\n  id: 1\n  name: "circle"\n')
    assert text.count("item {") == 3 and 'id: 3\n  name: "triangle"' in text


@pytest.fixture(scope="module")
def exported(detector, tmp_path_factory):
    base = tmp_path_factory.mktemp("export") / "detector"
    return detector.export(base)


def test_export_has_the_od_api_outputs_for_images_of_different_sizes(detector, exported):
    import tensorflow as tf

    images = _images()
    served = tf.saved_model.load(str(exported)).signatures["serving_default"](
        image_bytes=tf.constant([_png(im) for im in images]))
    assert served["detection_boxes"].dtype == tf.float32
    assert served["detection_classes"].dtype == tf.float32
    assert served["num_detections"].dtype == tf.float32
    assert served["detection_labels"].dtype == tf.string
    for i, (image, want) in enumerate(zip(images, detector.predict(images, threshold=0.0))):
        count = int(served["num_detections"][i])
        assert count == len(want)
        height, width = image.shape[:2]
        boxes = served["detection_boxes"][i, :count].numpy()  # ymin, xmin, ymax, xmax, relative
        np.testing.assert_allclose(boxes * [height, width, height, width],
                                   [[d.box[1], d.box[0], d.box[3], d.box[2]] for d in want],
                                   atol=2e-3)
        np.testing.assert_array_equal(served["detection_classes"][i, :count].numpy(),
                                      [d.class_id + 1 for d in want])  # 1-based, as the OD API
        assert [s.decode() for s in served["detection_labels"][i, :count].numpy()] == \
            [d.label for d in want]
        assert np.all(served["detection_scores"][i, count:].numpy() == 0)
    assert (exported / "assets" / "label_map.pbtxt").is_file()
    assert (exported / "assets" / "labels.txt").read_text().split() == CLASSES


def test_fresh_process_serves_the_rest_body_without_kerasvision_or_keras_cv(detector, exported,
                                                                            tmp_path):
    images = _images()
    # TF Serving's REST API turns each {"b64": ...} into the string tensor's element.
    body = {"instances": [{"image_bytes": {"b64": base64.b64encode(_png(im)).decode()}}
                          for im in images]}
    (tmp_path / "body.json").write_text(__import__("json").dumps(body))
    script = textwrap.dedent(f"""
        import base64, json, sys
        sys.modules["kerasvision"] = None
        sys.modules["keras_cv"] = None
        import numpy as np, tensorflow as tf
        body = json.load(open({str(tmp_path / 'body.json')!r}))
        batch = [base64.b64decode(i["image_bytes"]["b64"]) for i in body["instances"]]
        m = tf.saved_model.load({str(exported)!r})
        out = m.signatures["serving_default"](image_bytes=tf.constant(batch))
        np.save({str(tmp_path / 'boxes.npy')!r}, out["detection_boxes"].numpy())
        np.save({str(tmp_path / 'count.npy')!r}, out["num_detections"].numpy())
    """)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=tmp_path)
    want = detector.predict(images, threshold=0.0)
    np.testing.assert_array_equal(np.load(tmp_path / "count.npy"), [len(w) for w in want])
    height, width = images[1].shape[:2]
    got = np.load(tmp_path / "boxes.npy")[1, :len(want[1])] * [height, width, height, width]
    np.testing.assert_allclose(got, [[d.box[1], d.box[0], d.box[3], d.box[2]] for d in want[1]],
                               atol=2e-3)
