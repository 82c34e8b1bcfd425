"""ImageClassifier.predict takes what people have (issue 15 §3): paths, bytes, PIL images,
2-D and 3-D arrays of 1, 3 or 4 channels, batches; ambiguous value ranges are refused."""

import numpy as np
import pytest
from PIL import Image

from kerasvision.tasks.image_classifier import DEFAULT_TOP_K


def _labels(answers):
    return [[(p.label, round(p.score, 5)) for p in answer] for answer in answers]


def _via_file(classifier, array, tmp_path, name="image.png"):
    """What `classify` (predict_files) answers for `array` saved as a PNG."""
    path = tmp_path / name
    Image.fromarray(array.squeeze(-1) if array.ndim == 3 and array.shape[-1] == 1
                    else array).save(path)
    (result,) = list(classifier.predict_files([path]))
    assert result.error is None
    return [result.predictions]


@pytest.fixture(scope="module")
def colour():
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, (40, 31, 4), dtype=np.uint8)


def test_a_2d_grey_array_is_one_image(tiny_classifier, ramp_images):
    grey = ramp_images[0, ..., 0]
    answers = tiny_classifier.predict(grey)  # before: "must have either 3 or 4 dimensions"
    assert len(answers) == 1 and len(answers[0]) == DEFAULT_TOP_K
    assert _labels(answers) == _labels(tiny_classifier.predict([ramp_images[0]]))


def test_a_3d_array_is_one_image_and_a_4d_array_a_batch(tiny_classifier, ramp_images):
    one = tiny_classifier.predict(ramp_images[2])
    assert len(one) == 1
    batch = tiny_classifier.predict(ramp_images)
    assert len(batch) == len(ramp_images) and _labels(batch[2:3]) == _labels(one)
    assert _labels(tiny_classifier.predict(ramp_images[..., 0])) == _labels(batch)  # (N, H, W)


@pytest.mark.parametrize("channels", [3, 4])
def test_colour_arrays_for_a_grey_model_are_converted_as_classify_converts_files(
        tiny_classifier, colour, tmp_path, channels):
    array = colour[..., :channels]
    got = tiny_classifier.predict(array)  # before: a TensorFlow traceback
    assert _labels(got) == _labels(_via_file(tiny_classifier, array, tmp_path))


def test_paths_bytes_and_pil_images(tiny_classifier, colour, tmp_path):
    want = _labels(_via_file(tiny_classifier, colour[..., :3], tmp_path, "photo.png"))
    path = tmp_path / "photo.png"
    assert _labels(tiny_classifier.predict(str(path))) == want
    assert _labels(tiny_classifier.predict([path])) == want
    assert _labels(tiny_classifier.predict(path.read_bytes())) == want
    with Image.open(path) as image:
        assert _labels(tiny_classifier.predict(image)) == want


def test_unreadable_path_is_one_line_naming_it(tiny_classifier, tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    with pytest.raises(ValueError, match="notes.png"):
        tiny_classifier.predict(str(bad))


def test_floats_in_0_1_are_refused_unless_the_range_is_given(tiny_classifier, ramp_images):
    pixels = ramp_images[0].astype(np.float32)
    with pytest.raises(ValueError, match=r"value_range=\(0, 1\)"):
        tiny_classifier.predict(pixels / 255.0)  # before: a silent, wrong answer
    want = _labels(tiny_classifier.predict(pixels))
    assert _labels(tiny_classifier.predict(pixels / 255.0, value_range=(0, 1))) == want
    assert _labels(tiny_classifier.predict(ramp_images[0])) == want  # uint8 0-255 as floats


def test_normalised_pixels_are_refused(tiny_classifier, ramp_images):
    normalised = (ramp_images[0].astype(np.float32) - 127.5) / 127.5
    with pytest.raises(ValueError, match="outside value_range 0-255"):
        tiny_classifier.predict(normalised)
    with pytest.raises(ValueError, match="not an image"):
        tiny_classifier.predict(np.zeros((28, 28, 7), np.uint8)[None])
    with pytest.raises(ValueError, match="NaN"):
        tiny_classifier.predict(np.full((28, 28), np.nan, np.float32))


def test_predict_files_keeps_input_order_with_bad_files(tiny_classifier, ramp_images,
                                                        tmp_path):
    names = []
    for i, image in enumerate(ramp_images[:3]):
        Image.fromarray(image[..., 0]).save(tmp_path / f"good{i}.png")
        names.append(f"good{i}.png")
        (tmp_path / f"bad{i}.png").write_bytes(b"broken")
        names.append(f"bad{i}.png")
    order = [names[1], names[0], names[3], names[2], names[4], names[5], "missing.png"]
    results = list(tiny_classifier.predict_files([tmp_path / n for n in order], batch_size=2))
    # Before: an unreadable file's result came out ahead of the good files batched before it.
    assert [r.path for r in results] == [str(tmp_path / n) for n in order]
    assert [r.error is None for r in results] == [False, True, False, True, True, False, False]


def test_classify_and_the_api_list_the_same_number_of_classes(tiny_classifier, ramp_images):
    from kerasvision.cli.classify_command import classify

    top_k = next(p for p in classify.params if p.name == "top_k")
    assert top_k.default == DEFAULT_TOP_K  # before: 3 on the command line, 5 in Python
    assert len(tiny_classifier.predict(ramp_images[0])[0]) == DEFAULT_TOP_K


def test_the_saved_model_classifier_takes_the_same_inputs(tiny_classifier, ramp_images,
                                                          tmp_path):
    from kerasvision.tasks.saved_model_classifier import SavedModelClassifier

    served = SavedModelClassifier(tiny_classifier.export(tmp_path / "served", warmup=False))
    grey = ramp_images[1, ..., 0]
    got = served.predict(grey)  # one 2-D image, as ImageClassifier.predict takes it
    want = tiny_classifier.predict(grey)
    assert [p.label for p in got[0]] == [p.label for p in want[0]]
    assert len(got[0]) == DEFAULT_TOP_K
    with pytest.raises(ValueError, match="value_range"):
        served.predict(grey / 255.0)
