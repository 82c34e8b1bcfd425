"""ImageSegmenter: class maps at the original size, persistence, evaluation, the export."""

import base64
import io
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

CLASSES = ["background", "circle", "square"]


@pytest.fixture(scope="module")
def segmenter():
    import keras

    from kerasvision.models import build_tiny
    from kerasvision.tasks.image_segmenter import ImageSegmenter

    keras.utils.set_random_seed(3)
    return ImageSegmenter(build_tiny("unet"), CLASSES)  # 32×32×3 in, 3 classes


def _channel_argmax_segmenter(size=8):
    """A model whose scores are the softmax of 10·(RGB / 255): the class is the largest
    channel, so every answer can be worked out by hand."""
    import keras

    from kerasvision.tasks.image_segmenter import ImageSegmenter

    pixels = keras.Input((size, size, 3))
    scores = keras.layers.Conv2D(3, 1, use_bias=False, activation="softmax",
                                 kernel_initializer=keras.initializers.Constant(
                                     np.eye(3)[None, None] * 10 / 255))(pixels)
    return ImageSegmenter(keras.Model(pixels, scores), CLASSES)


def _images():
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8),
            rng.integers(0, 256, (40, 90, 3), dtype=np.uint8)]


def _png(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_class_maps_are_at_the_original_size(segmenter):
    images = _images()
    maps = segmenter.predict(images)
    assert [m.shape for m in maps] == [(32, 32), (40, 90)]
    assert all(m.dtype == np.int32 and m.min() >= 0 and m.max() < 3 for m in maps)
    # At the model's own size nothing moves: the map is the model's argmax.
    raw = segmenter.model.predict(images[0][None].astype("float32"), verbose=0)[0]
    np.testing.assert_array_equal(maps[0], raw.argmax(-1))
    maps_again, scores = zip(*segmenter.predict(images, with_scores=True))
    assert [s.shape for s in scores] == [(32, 32, 3), (40, 90, 3)]
    for class_map, again, score in zip(maps, maps_again, scores):
        np.testing.assert_array_equal(again, class_map)
        np.testing.assert_array_equal(score.argmax(-1), class_map)


def test_letterboxed_map_goes_back_to_each_original_pixel():
    segmenter = _channel_argmax_segmenter()
    assert segmenter.preprocessor.resize == "letterbox"
    # A 16×32 image of 4×4 blocks letterboxes to 4×8 rows 2..5 of the 8×8 input, each block
    # one model pixel; the map comes back block for block.
    blocks = np.random.default_rng(1).integers(0, 3, (4, 8))
    image = (np.eye(3)[np.kron(blocks, np.ones((4, 4), int))] * 255).astype(np.uint8)
    np.testing.assert_array_equal(segmenter.predict([image])[0],
                                  np.kron(blocks, np.ones((4, 4), int)))


def test_crf_relabels_a_weak_pixel_that_disagrees_with_its_neighbours():
    pytest.importorskip("pydensecrf")
    segmenter = _channel_argmax_segmenter()
    image = np.zeros((8, 8, 3), np.uint8)
    image[..., 1] = 255  # class 1, confidently (logits 0, 10, 0)
    image[4, 4] = (0, 120, 135)  # class 2, weakly (logits 0, 4.7, 5.3)
    plain = segmenter.predict([image])[0]
    assert plain[4, 4] == 2 and (plain == 1).sum() == 63
    refined, probabilities = segmenter.predict([image], crf=True, with_scores=True)[0]
    np.testing.assert_array_equal(refined, np.ones((8, 8)))
    assert refined.dtype == np.int32 and probabilities.shape == (8, 8, 3)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-5)


def test_keras_file_round_trip_dispatches_to_the_segmenter(segmenter, tmp_path):
    from kerasvision.tasks.image_segmenter import ImageSegmenter
    from kerasvision.tasks.task import Task

    segmenter.save(tmp_path / "s.keras")
    loaded = Task.load(tmp_path / "s.keras")
    assert isinstance(loaded, ImageSegmenter)
    assert loaded.class_names == CLASSES and loaded.preprocessor == segmenter.preprocessor
    for mine, theirs in zip(segmenter.predict(_images()), loaded.predict(_images())):
        np.testing.assert_array_equal(mine, theirs)


def test_default_class_names_start_with_the_background():
    from kerasvision.tasks.image_segmenter import ImageSegmenter

    names = ImageSegmenter(_channel_argmax_segmenter().model).class_names
    assert names == ["background", "class_1", "class_2"]


def test_evaluate_on_a_hand_case(tmp_path):
    segmenter = _channel_argmax_segmenter()
    # Predicted: the left half class 1 (green), the right half class 2 (blue).
    image = np.zeros((8, 8, 3), np.uint8)
    image[:, :4, 1] = 255
    image[:, 4:, 2] = 255
    truth = np.zeros((8, 8), np.int64)
    truth[:, :4] = 1  # 32 pixels of class 1, all right
    truth[:, 4:6] = 2  # 16 pixels of class 2, all right
    truth[:, 6:] = 0  # 16 background pixels predicted as class 2
    truth[0, 6] = 255  # ... one of which is ignored
    report = segmenter.evaluate([image], [truth], confusion_png=tmp_path / "c.png")
    # Hand-counted: background 0 of 15 (IoU 0), class 1 32/32, class 2 16/(16 + 15).
    assert report["confusion_matrix"] == [[0, 0, 15], [0, 32, 0], [0, 0, 16]]
    assert report["per_class_iou"] == {"background": 0.0, "circle": 1.0,
                                       "square": pytest.approx(16 / 31)}
    assert report["mean_iou"] == pytest.approx((0 + 1 + 16 / 31) / 3)
    assert report["pixel_accuracy"] == pytest.approx(48 / 63)
    assert report["images"] == 1 and (tmp_path / "c.png").stat().st_size > 0


def test_evaluate_leaves_out_classes_neither_present_nor_predicted():
    segmenter = _channel_argmax_segmenter()
    image = np.zeros((8, 8, 3), np.uint8)
    image[..., 1] = 255  # everything predicted class 1
    report = segmenter.evaluate([image], [np.ones((8, 8), int)])
    assert report["per_class_iou"] == {"background": None, "circle": 1.0, "square": None}
    assert report["mean_iou"] == 1.0


@pytest.fixture(scope="module")
def exported(segmenter, tmp_path_factory):
    base = tmp_path_factory.mktemp("export") / "segmenter"
    return segmenter.export(base)


def test_export_serves_images_of_different_sizes_in_one_request(segmenter, exported):
    import tensorflow as tf

    images = _images()
    served = tf.saved_model.load(str(exported)).signatures["serving_default"](
        image_bytes=tf.constant([_png(im) for im in images]))
    assert served["class_map"].dtype == tf.int32 and served["scores"].dtype == tf.float32
    assert served["class_map"].shape == (2, 40, 90) and served["scores"].shape == (2, 40, 90, 3)
    np.testing.assert_array_equal(served["original_size"].numpy(), [[32, 32], [40, 90]])
    answers = segmenter.predict(images, with_scores=True)
    for i, (class_map, scores) in enumerate(answers):
        height, width = class_map.shape
        np.testing.assert_array_equal(served["class_map"][i, :height, :width].numpy(), class_map)
        np.testing.assert_allclose(served["scores"][i, :height, :width].numpy(), scores,
                                   atol=1e-5)
    # The smaller image's padding: -1 in the class map, 0 in the scores.
    assert np.all(served["class_map"][0, 32:].numpy() == -1)
    assert np.all(served["class_map"][0, :, 32:].numpy() == -1)
    assert np.all(served["scores"][0, :, 32:].numpy() == 0)
    assert (exported / "assets" / "labels.txt").read_text().splitlines() == CLASSES


def test_serving_outputs_can_leave_the_scores_out(segmenter):
    import tensorflow as tf

    pixels = tf.constant(_images()[0][None].astype(np.float32))
    served = segmenter.serving_outputs(segmenter.model(pixels), tf.constant([[32, 32]]),
                                       include_scores=False)
    assert set(served) == {"class_map", "original_size"}
    np.testing.assert_array_equal(served["class_map"][0].numpy(),
                                  segmenter.predict(_images()[:1])[0])


def test_fresh_process_serves_the_rest_body_without_kerasvision(segmenter, exported, tmp_path):
    images = _images()
    # TF Serving's REST API turns each {"b64": ...} into the string tensor's element.
    body = {"instances": [{"image_bytes": {"b64": base64.b64encode(_png(im)).decode()}}
                          for im in images]}
    (tmp_path / "body.json").write_text(json.dumps(body))
    script = textwrap.dedent(f"""
        import base64, json, sys
        sys.modules["kerasvision"] = None
        import numpy as np, tensorflow as tf
        body = json.load(open({str(tmp_path / 'body.json')!r}))
        batch = [base64.b64decode(i["image_bytes"]["b64"]) for i in body["instances"]]
        m = tf.saved_model.load({str(exported)!r})
        out = m.signatures["serving_default"](image_bytes=tf.constant(batch))
        np.save({str(tmp_path / 'maps.npy')!r}, out["class_map"].numpy())
        np.save({str(tmp_path / 'sizes.npy')!r}, out["original_size"].numpy())
    """)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=tmp_path)
    maps, sizes = np.load(tmp_path / "maps.npy"), np.load(tmp_path / "sizes.npy")
    for class_map, (height, width), want in zip(maps, sizes, segmenter.predict(images)):
        np.testing.assert_array_equal(class_map[:height, :width], want)
