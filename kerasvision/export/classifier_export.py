"""Export an image classifier as a TF Serving SavedModel version.

Signatures (no py_function, no XLA, so the standard TF Serving build runs them on GPU):

- `serving_default`: `image_bytes` string [None] (JPEG/PNG/GIF/BMP; `{"b64": ...}` over REST)
  -> `scores` float32 [N, C], `classes` int32 [N, K] (top-K indices), `labels` string [N, K].
- `serving_pixels`: `pixels` float32 [None, H, W, C] in 0–255 -> the same outputs.

Decoding, grey/RGB conversion, resizing and normalisation all run in the graph. A malformed
element makes the whole request fail with InvalidArgument (a batch is one tensor); clients that
cannot vouch for every image should send one image per request or split a failed batch.
"""

import io
from pathlib import Path

import numpy as np

from kerasvision.export.versioned_directory import write_version
from kerasvision.export.warmup_records import serving_api_available, write_warmup_requests

LABELS_FILE = "labels.txt"


def _sample_png(height, width, channels):
    from PIL import Image

    ramp = np.linspace(0, 255, height * width, dtype=np.float32).reshape(height, width)
    pixels = np.repeat(ramp[..., None], channels, axis=-1).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels.squeeze(-1) if channels == 1 else pixels).save(buf, format="PNG")
    return buf.getvalue()


def build_classifier_archive(model, class_names, top_k=5):
    """A keras.export.ExportArchive with both serving signatures around `model`."""
    import keras
    import tensorflow as tf

    from kerasvision.io.graph_decoding import decode_image_bytes, resize_pixels

    height, width, channels = (int(d) for d in model.inputs[0].shape[1:])
    k = min(int(top_k), len(class_names))
    labels = tf.constant([str(n) for n in class_names])

    def outputs(pixels):
        scores = model(pixels, training=False)
        top = tf.math.top_k(scores, k=k)
        classes = tf.cast(top.indices, tf.int32)
        return {"scores": scores, "classes": classes, "labels": tf.gather(labels, classes)}

    def decode_one(image_bytes):
        return resize_pixels(decode_image_bytes(image_bytes, channels), (height, width))

    def serve_bytes(image_bytes):
        pixels = tf.map_fn(decode_one, image_bytes,
                           fn_output_signature=tf.TensorSpec([height, width, channels], tf.float32))
        return outputs(pixels)

    def serve_pixels(pixels):
        return outputs(pixels)

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", serve_bytes,
                         input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")])
    archive.add_endpoint("serving_pixels", serve_pixels, input_signature=[
        tf.TensorSpec([None, height, width, channels], tf.float32, name="pixels")])
    return archive


def export_classifier(model, class_names, base, version=None, top_k=5, model_name=None,
                      warmup=True):
    """Write `BASE/VERSION/` for TF Serving; returns the version directory.

    The version is written under a temporary name, reloaded and checked against the Keras
    model on a sample image, and renamed only then. `assets/labels.txt` and (with
    tensorflow-serving-api installed) `assets.extra/tf_serving_warmup_requests` ship inside.
    """
    import tensorflow as tf

    class_names = [str(n) for n in class_names]
    height, width, channels = (int(d) for d in model.inputs[0].shape[1:])
    sample = _sample_png(height, width, channels)
    model_name = model_name or Path(base).name

    def write(tmp):
        build_classifier_archive(model, class_names, top_k).write_out(str(tmp), verbose=False)
        (tmp / "assets").mkdir(exist_ok=True)
        (tmp / "assets" / LABELS_FILE).write_text("\n".join(class_names) + "\n")
        if warmup and serving_api_available():
            write_warmup_requests(tmp, model_name, "serving_default",
                                  [{"image_bytes": np.array([sample])},
                                   {"image_bytes": np.array([sample] * 4)}])

    def validate(tmp):
        loaded = tf.saved_model.load(str(tmp))
        for sig in ("serving_default", "serving_pixels"):
            if sig not in loaded.signatures:
                raise RuntimeError(f"{tmp}: export lacks the {sig} signature")
        got = loaded.signatures["serving_default"](image_bytes=tf.constant([sample]))["scores"]
        from kerasvision.io.graph_decoding import decode_image_bytes, resize_pixels

        want = model(resize_pixels(decode_image_bytes(tf.constant(sample), channels),
                                   (height, width))[None], training=False)
        if not np.allclose(got.numpy(), np.asarray(want), atol=1e-4):
            raise RuntimeError(f"{tmp}: reloaded export disagrees with the Keras model")

    return write_version(base, write, validate, version)


def read_labels(version_dir):
    """Class names from `assets/labels.txt` of an exported version."""
    return Path(version_dir, "assets", LABELS_FILE).read_text().splitlines()
