"""Export any application (a `Task`) as a TF Serving SavedModel version.

Signatures (no py_function, no XLA, so the standard TF Serving build runs them on GPU):

- `serving_default`: `image_bytes` string [None] (JPEG/PNG/GIF/BMP; `{"b64": ...}` over REST).
  Decoding (EXIF orientation honoured), grey/RGB conversion and resizing run in the graph
  through the task's ImagePreprocessor, which also keeps each image's original height and
  width so the task's outputs can be given in original-image terms (boxes, class maps).
- `serving_pixels`: `pixels` float32 [None, H, W, C] in 0–255 at the model's size; the
  original size is then the model's size.

Both return the task's named outputs (`Task.serving_outputs`; a classifier's are `scores`,
`classes`, `labels`). A malformed element fails the whole request with InvalidArgument (a batch
is one tensor): send one image per request, or split a failed batch.

Inside the version directory: `assets/labels.txt` (class names), `assets/kerasvision.json`
(the task's metadata), the task's own `serving_assets` (a detector's OD-API
`label_map.pbtxt`) and `assets.extra/tf_serving_warmup_requests` (written without
tensorflow-serving-api, see `warmup_records`).
"""

import io
import json
from pathlib import Path

import numpy as np

from kerasvision.export.versioned_directory import write_version
from kerasvision.export.warmup_records import write_warmup_requests

LABELS_FILE = "labels.txt"
METADATA_FILE = "kerasvision.json"


def sample_png(height, width, channels):
    """A small ramp image as PNG bytes: the warmup request and the export's self-check."""
    from PIL import Image

    ramp = np.linspace(0, 255, height * width, dtype=np.float32).reshape(height, width)
    pixels = np.repeat(ramp[..., None], channels, axis=-1).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels.squeeze(-1) if channels == 1 else pixels).save(buf, format="PNG")
    return buf.getvalue()


def build_serving_archive(task, **options):
    """A keras.export.ExportArchive with both serving signatures around `task.model`."""
    import keras
    import tensorflow as tf

    model, preprocessor = task.model, task.preprocessor
    height, width = preprocessor.size
    channels = preprocessor.channels

    def serve_bytes(image_bytes):
        pixels, sizes = preprocessor.graph_preprocess_batch(image_bytes)
        return task.serving_outputs(task.serving_forward(pixels), sizes, **options)

    def serve_pixels(pixels):
        sizes = tf.tile(tf.constant([[height, width]], tf.int32), [tf.shape(pixels)[0], 1])
        return task.serving_outputs(task.serving_forward(pixels), sizes, **options)

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", serve_bytes,
                         input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")])
    archive.add_endpoint("serving_pixels", serve_pixels, input_signature=[
        tf.TensorSpec([None, height, width, channels], tf.float32, name="pixels")])
    return archive


def export_task(task, base, version=None, model_name=None, warmup=True, **options):
    """Write `BASE/VERSION/` for TF Serving; returns the version directory.

    The version is written under a temporary name, reloaded and checked against the task's
    own Python path on a sample image, and renamed only then; `options` go to the task's
    `serving_outputs` (e.g. `top_k`).
    """
    import tensorflow as tf

    height, width = task.preprocessor.size
    sample = sample_png(height, width, task.preprocessor.channels)
    model_name = model_name or Path(base).name

    def write(tmp):
        build_serving_archive(task, **options).write_out(str(tmp), verbose=False)
        (tmp / "assets").mkdir(exist_ok=True)
        (tmp / "assets" / LABELS_FILE).write_text("\n".join(map(str, task.class_names)) + "\n")
        (tmp / "assets" / METADATA_FILE).write_text(json.dumps(task.metadata(), indent=2))
        for name, text in task.serving_assets().items():
            (tmp / "assets" / name).write_text(text)
        if warmup:
            write_warmup_requests(tmp, model_name, "serving_default",
                                  [{"image_bytes": np.array([sample])},
                                   {"image_bytes": np.array([sample] * 4)}])

    def validate(tmp):
        loaded = tf.saved_model.load(str(tmp))
        for signature in ("serving_default", "serving_pixels"):
            if signature not in loaded.signatures:
                raise RuntimeError(f"{tmp}: export lacks the {signature} signature")
        served = loaded.signatures["serving_default"](image_bytes=tf.constant([sample]))
        pixels, size = task.preprocessor.graph_preprocess(tf.constant(sample))
        want = task.serving_outputs(task.serving_forward(pixels[None]), size[None], **options)
        for key, value in want.items():
            got, value = served[key].numpy(), np.asarray(value)
            same = (np.allclose(got, value, atol=1e-4) if np.issubdtype(value.dtype, np.floating)
                    else np.array_equal(got, value))
            if not same:
                raise RuntimeError(f"{tmp}: reloaded export disagrees with the Keras model "
                                   f"on {key!r}")

    return write_version(base, write, validate, version)


def read_labels(version_dir):
    """Class names from `assets/labels.txt` of an exported version."""
    return Path(version_dir, "assets", LABELS_FILE).read_text().splitlines()


def read_export_metadata(version_dir):
    """The task metadata an export carries, or None for exports made before it existed."""
    path = Path(version_dir, "assets", METADATA_FILE)
    return json.loads(path.read_text()) if path.is_file() else None
