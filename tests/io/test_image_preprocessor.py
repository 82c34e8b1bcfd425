"""ImagePreprocessor: one picture, many encodings, every path gives the same model pixels;
letterbox geometry and its inverse; the graph decoder in tf.function and a SavedModel."""

import io
import json

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from kerasvision.data.image_folder import load_image_folder
from kerasvision.data.image_folder_dataset import image_folder_dataset
from kerasvision.io import read_image
from kerasvision.io.graph_decoding import JPEG_LARGEST_DIFFERENCE, decode_image_pixels
from kerasvision.io.pixel_resize import resize_pixels
from kerasvision.io.image_preprocessor import ImagePreprocessor

HEIGHT, WIDTH = 40, 60
# Pillow's transpose that turns pixels stored for EXIF orientation N upright, and its inverse
# (to store an upright picture that way).
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
           4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
           6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}
STORED = {**UPRIGHT, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def picture():
    """A smooth, asymmetric RGB picture (a dark block top-left shows any wrong turn)."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    rgb = np.stack([xx * 4, yy * 6, 255 - 2 * xx - 2 * yy], -1)
    rgb[:10, :15] = 20
    return np.clip(rgb, 0, 255).astype(np.uint8)


def encode(image, image_format, **options):
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def exif_jpeg(orientation, little_endian=False):
    """The picture stored turned, with the EXIF orientation that turns it upright."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    if little_endian:
        exif.endian = "<"  # Pillow writes big-endian ("MM") by default
    stored = Image.fromarray(picture()).transpose(STORED[orientation])
    return encode(stored, "JPEG", quality=95, exif=exif)


def variants():
    """{file name: bytes}: the picture as PNG (every mode the reader composites or scales)
    and as JPEG (plain and EXIF-turned, both TIFF byte orders)."""
    rgb = Image.fromarray(picture())
    alpha = np.tile(np.linspace(0, 255, WIDTH).astype(np.uint8), (HEIGHT, 1))
    grey = np.asarray(rgb.convert("L"))
    palette = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=32)
    deep_grey = grey.astype(np.uint16) * 257 + np.arange(WIDTH, dtype=np.uint16) % 200
    files = {
        "rgb.png": encode(rgb, "PNG"),
        "rgba.png": encode(Image.fromarray(np.dstack([picture(), alpha]), "RGBA"), "PNG"),
        "palette.png": encode(palette, "PNG"),
        "palette_transparent.png": encode(palette, "PNG", transparency=3),
        "grey16.png": encode(Image.fromarray(deep_grey), "PNG"),
        "grey_alpha.png": encode(Image.fromarray(np.dstack([grey, alpha]), "LA"), "PNG"),
        # tRNS colour keys: the dark block turns white (TensorFlow's decoder drops the key)
        "rgb_colour_key.png": encode(rgb, "PNG", transparency=(20, 20, 20)),
        "grey_colour_key.png": encode(Image.fromarray(grey), "PNG", transparency=20),
        "photo.jpg": encode(rgb, "JPEG", quality=95),
    }
    for orientation in (3, 6, 8):
        files[f"exif{orientation}.jpg"] = exif_jpeg(orientation)
    files["exif6_little_endian.jpg"] = exif_jpeg(6, little_endian=True)
    return files


VARIANTS = variants()
PREPROCESSORS = [ImagePreprocessor((24, 32), 3, "letterbox", pad_value=114.0),
                 ImagePreprocessor((28, 28), 1, "stretch")]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """One class sub-folder per variant, each holding the variant twice, plus a broken file."""
    root = tmp_path_factory.mktemp("variants")
    for name, data in VARIANTS.items():
        (root / name.replace(".", "_")).mkdir()
        for copy in ("a", "b"):
            (root / name.replace(".", "_") / f"{copy}_{name}").write_bytes(data)
    (root / "rgb_png" / "broken.png").write_bytes(VARIANTS["rgb.png"][:60])
    return root


def class_of(name):
    return sorted(n.replace(".", "_") for n in VARIANTS).index(name.replace(".", "_"))


def eager_pixels(preprocessor, path):
    [record] = preprocessor.read([path])
    assert record.error is None
    return preprocessor.preprocess([record.image]).pixels[0]


def assert_same_pixels(got, want, name):
    """PNG exactly; JPEG within the documented PIL-vs-TensorFlow decoder difference."""
    bound = JPEG_LARGEST_DIFFERENCE if name.endswith(".jpg") else 0
    assert got.shape == want.shape and got.dtype == np.float32
    assert np.abs(got - want).max() <= bound, name


@pytest.mark.parametrize("preprocessor", PREPROCESSORS, ids=repr)
def test_every_path_gives_the_same_pixels(preprocessor, folder, capfd):
    want = {name: eager_pixels(preprocessor, folder / name.replace(".", "_") / f"a_{name}")
            for name in VARIANTS}
    for name, data in VARIANTS.items():
        pixels, size = preprocessor.graph_preprocess(tf.constant(data))
        assert_same_pixels(pixels.numpy(), want[name], name)
        assert tuple(size.numpy()) == (HEIGHT, WIDTH), name  # EXIF-turned: upright size

    x_train, y_train, x_test, y_test, classes = load_image_folder(
        folder, holdout=0.5, preprocessor=preprocessor)
    names = {class_of(name): name for name in VARIANTS}
    assert len(x_train) == len(x_test) == len(VARIANTS)
    for pixels, label in zip([*x_train, *x_test], [*y_train, *y_test]):
        np.testing.assert_array_equal(pixels, want[names[label]])
    assert capfd.readouterr().err.count("broken.png") == 1

    data = image_folder_dataset(folder, preprocessor, classes, batch_size=5, shuffle=True)
    assert data.options().autotune.enabled is False  # data/pipeline_options.py
    for _ in range(2):  # two epochs: the broken file is still reported once
        streamed = [(pixels, label) for images, labels in data
                    for pixels, label in zip(images.numpy(), labels.numpy())]
        assert len(streamed) == 2 * len(VARIANTS)
        for pixels, label in streamed:
            np.testing.assert_array_equal(pixels, want[names[label]])
    assert capfd.readouterr().err.count("broken.png") == 1


def test_exif_orientation_turns_the_picture_upright(folder):
    preprocessor = ImagePreprocessor((HEIGHT, WIDTH), 3)
    upright = eager_pixels(preprocessor, folder / "photo_jpg" / "a_photo.jpg")
    for name in ("exif3.jpg", "exif6.jpg", "exif8.jpg", "exif6_little_endian.jpg"):
        pixels, _ = preprocessor.graph_preprocess(tf.constant(VARIANTS[name]))
        # Different JPEG blocks, so not equal; a wrong turn would move the dark block.
        assert np.abs(pixels.numpy() - upright).mean() < 3, name
        assert pixels.numpy()[:8, :12].mean() < 30, name


@pytest.mark.parametrize("little_endian", [False, True])
def test_graph_orientation_agrees_with_pillow_for_all_eight(little_endian):
    decode = tf.function(lambda data: decode_image_pixels(data, 3), autograph=False)
    for orientation in range(2, 9):
        data = exif_jpeg(orientation, little_endian)
        got = decode(tf.constant(data)).numpy()
        want = read_image(data, channels=3)
        assert got.shape == want.shape
        assert np.abs(got - want).max() <= JPEG_LARGEST_DIFFERENCE, orientation


def test_xmp_orientation_and_damaged_exif_match_pillow():
    stored = Image.fromarray(picture()).transpose(STORED[6])
    xmp = b'<x:xmpmeta><rdf:Description tiff:Orientation="6"/></x:xmpmeta>'
    damaged = bytearray(exif_jpeg(6))
    ifd_offset = damaged.index(b"MM\0*") + 4
    damaged[ifd_offset:ifd_offset + 4] = b"\xff\xff\xff\x00"  # IFD0 far past the end
    for data in (encode(stored, "JPEG", xmp=xmp), bytes(damaged)):
        got = decode_image_pixels(tf.constant(data), 3).numpy()
        want = read_image(data, channels=3)
        assert got.shape == want.shape
        assert np.abs(got - want).max() <= JPEG_LARGEST_DIFFERENCE


def test_malformed_bytes_raise_in_the_graph():
    preprocessor = ImagePreprocessor(8, 3)
    for data in (b"not an image", VARIANTS["photo.jpg"][:200], b""):
        with pytest.raises(tf.errors.InvalidArgumentError):
            preprocessor.graph_preprocess(tf.constant(data))


def test_stretch_keeps_the_classifier_pixels():
    image = np.random.default_rng(0).integers(0, 256, (37, 51, 1), dtype=np.uint8)
    got = ImagePreprocessor((28, 28), 1).preprocess([image])
    want = resize_pixels(image.astype(np.float32), (28, 28)).numpy()
    np.testing.assert_array_equal(got.pixels[0], want)
    np.testing.assert_allclose(got.scales[0], [28 / 37, 28 / 51], rtol=1e-6)
    np.testing.assert_array_equal(got.offsets[0], [0, 0])


@pytest.mark.parametrize("height, width, offsets, placed", [
    (50, 100, (16, 0), (32, 64)),  # 100 wide × 50 high: bands above and below
    (100, 50, (0, 16), (64, 32)),  # 50 wide × 100 high: bands left and right
])
def test_letterbox_geometry(height, width, offsets, placed):
    image = np.random.default_rng(1).integers(1, 256, (height, width, 3), dtype=np.uint8)
    preprocessor = ImagePreprocessor(64, 3, "letterbox", pad_value=7.0)
    out = preprocessor.preprocess([image, image])
    np.testing.assert_allclose(out.scales, [[0.64, 0.64]] * 2, rtol=1e-6)
    np.testing.assert_array_equal(out.offsets, [offsets] * 2)
    np.testing.assert_array_equal(out.original_sizes, [[height, width]] * 2)
    top, left = offsets
    inside = np.zeros((64, 64), bool)
    inside[top:top + placed[0], left:left + placed[1]] = True
    pixels = out.pixels[0]
    assert (pixels[~inside] == 7.0).all()
    np.testing.assert_array_equal(pixels[inside].reshape(*placed, 3),
                                  resize_pixels(image, placed).numpy())
    assert out.geometry(0).placed_size == placed


@pytest.mark.parametrize("resize", ["stretch", "letterbox"])
def test_boxes_round_trip_to_original_pixels(resize):
    preprocessor = ImagePreprocessor((64, 64), 3, resize)
    image = np.zeros((50, 100, 3), np.uint8)
    out = preprocessor.preprocess([image])
    geometry = out.geometry(0)
    original = np.array([[10, 5, 60, 45], [0, 0, 100, 50], [33.5, 12.25, 71, 20]], np.float32)
    scale_x, scale_y = geometry.scale[1], geometry.scale[0]
    top, left = geometry.offset
    model = original * [scale_x, scale_y, scale_x, scale_y] + [left, top, left, top]
    eager = preprocessor.postprocess_boxes(model, geometry)
    np.testing.assert_allclose(eager, original, atol=1e-4)
    graph = preprocessor.graph_postprocess_boxes(model, tf.constant([50, 100]))
    np.testing.assert_array_equal(graph.numpy(), eager)
    yxyx = preprocessor.postprocess_boxes(model[:, [1, 0, 3, 2]], out, box_format="yxyx")
    np.testing.assert_allclose(yxyx, original[:, [1, 0, 3, 2]], atol=1e-4)
    # A batch: sizes (N, 2), boxes (N, K, 4); boxes spilling into the padding are clipped.
    batch = preprocessor.graph_postprocess_boxes(
        np.stack([model, model + 1000]), tf.constant([[50, 100], [50, 100]]))
    np.testing.assert_array_equal(batch.numpy()[0], eager)
    np.testing.assert_array_equal(batch.numpy()[1], np.tile([100, 50, 100, 50], (3, 1)))


@pytest.mark.parametrize("resize", ["stretch", "letterbox"])
def test_class_maps_come_back_at_original_size_nearest_neighbour(resize):
    preprocessor = ImagePreprocessor((64, 64), 3, resize)
    out = preprocessor.preprocess([np.zeros((50, 100, 3), np.uint8)])
    geometry = out.geometry(0)
    (top, left), (placed_h, placed_w) = map(int, geometry.offset), geometry.placed_size
    class_map = np.full((64, 64), 9, np.int32)  # 9 only in the padding
    class_map[top:top + placed_h, left:left + placed_w // 2] = 1
    class_map[top:top + placed_h, left + placed_w // 2:left + placed_w] = 2
    eager = preprocessor.postprocess_class_map(class_map, geometry)
    assert eager.shape == (50, 100) and eager.dtype == np.int32
    assert (eager[:, :50] == 1).all() and (eager[:, 50:] == 2).all()
    graph = preprocessor.graph_postprocess_class_map(class_map, tf.constant([50, 100]))
    np.testing.assert_array_equal(graph.numpy(), eager)
    scores = np.stack([class_map == k for k in (1, 2)], -1).astype(np.float32)
    back = preprocessor.postprocess_class_map(scores, geometry)
    assert back.shape == (50, 100, 2) and (back.argmax(-1) + 1 == eager).all()


def test_graph_preprocess_in_tf_function_and_saved_model(tmp_path):
    preprocessor = ImagePreprocessor((24, 32), 3, "letterbox", pad_value=114.0)
    channels = preprocessor.channels

    class Serving(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)], autograph=False)
        def serve(self, image_bytes):
            pixels, sizes = tf.map_fn(
                preprocessor.graph_preprocess, image_bytes,
                fn_output_signature=(tf.TensorSpec([24, 32, channels], tf.float32),
                                     tf.TensorSpec([2], tf.int32)))
            box = tf.tile(tf.constant([[[0.0, 0.0, 32.0, 24.0]]]), [tf.shape(sizes)[0], 1, 1])
            return {"pixels": pixels, "sizes": sizes,
                    "boxes": preprocessor.graph_postprocess_boxes(box, sizes)}

    tf.saved_model.save(Serving(), str(tmp_path / "serving"))
    loaded = tf.saved_model.load(str(tmp_path / "serving"))
    names = ["rgba.png", "exif6.jpg", "exif8.jpg", "grey16.png"]
    served = loaded.serve(tf.constant([VARIANTS[name] for name in names]))
    for name, pixels in zip(names, served["pixels"].numpy()):
        want = preprocessor.preprocess([read_image(VARIANTS[name], channels=3)]).pixels[0]
        assert_same_pixels(pixels, want, name)
    np.testing.assert_array_equal(served["sizes"].numpy(), [[HEIGHT, WIDTH]] * len(names))
    np.testing.assert_allclose(served["boxes"].numpy(), [[[0, 0, WIDTH, HEIGHT]]] * len(names),
                               atol=1e-4)


def test_config_is_json_and_rebuilds_an_equal_preprocessor():
    preprocessor = ImagePreprocessor((24, 32), 1, "letterbox", pad_value=114)
    config = json.loads(json.dumps(preprocessor.get_config()))
    assert config == {"size": [24, 32], "channels": 1, "resize": "letterbox",
                      "pad_value": 114.0}
    assert ImagePreprocessor.from_config(config) == preprocessor


def test_uint8_arrays_of_other_channels_convert_as_files_do():
    rgba = np.dstack([picture(), np.full((HEIGHT, WIDTH), 128, np.uint8)])
    grey = ImagePreprocessor((20, 30), 1)
    from_array = grey.preprocess([rgba]).pixels[0]
    from_file = grey.preprocess([read_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"),
                                            channels=1)]).pixels[0]
    np.testing.assert_array_equal(from_array, from_file)
    with pytest.raises(ValueError, match="channels"):
        grey.preprocess([rgba.astype(np.float32)])


@pytest.mark.parametrize("arguments, message", [
    (dict(size=(0, 4)), "size"), (dict(size=(4, 4), channels=4), "channels"),
    (dict(size=4, resize="crop"), "resize")])
def test_bad_arguments_are_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        ImagePreprocessor(**arguments)


def test_classify_and_the_served_model_agree_on_every_encoding(folder, tmp_path):
    """The application's paths: `ImageClassifier.predict_files` (the CLI's), and the exported
    SavedModel's `serving_default` on the same bytes, EXIF-turned phone photos included."""
    import keras

    from kerasvision.tasks.image_classifier import ImageClassifier

    keras.utils.set_random_seed(0)
    classifier = ImageClassifier.from_architecture(
        "wrn_16_2", (HEIGHT // 2, WIDTH // 2, 3), [f"c{i}" for i in range(4)], width=1,
        depth=10)
    paths = [folder / name.replace(".", "_") / f"a_{name}" for name in VARIANTS]
    want = {}
    for result in classifier.predict_files(paths, top_k=4):
        assert result.error is None
        want[result.path.split("/a_")[-1]] = [p.score for p in
                                              sorted(result.predictions, key=lambda p: p.class_id)]
    served = tf.saved_model.load(str(classifier.export(tmp_path / "served", warmup=False)))
    names = list(VARIANTS)
    scores = served.signatures["serving_default"](
        image_bytes=tf.constant([VARIANTS[n] for n in names]))["scores"].numpy()
    for name, row in zip(names, scores):
        np.testing.assert_allclose(row, want[name], atol=1e-5, err_msg=name)
