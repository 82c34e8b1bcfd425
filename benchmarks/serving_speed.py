"""Serving the shipped classifier: bytes in, pixels in, the raw Keras model, ONNX Runtime.

    python -m benchmarks.serving_speed
    python -m benchmarks.serving_speed --repeats 5 --batch1-calls 20

The shipped classifier's SavedModel (saved_models/fashion_mnist_classifier/<latest version>,
as TF Serving would load it) is called through

- `serving_default`: PNG bytes in, decoding and resizing inside the graph (kerasvision/export);
- `serving_pixels`: float pixels (N, 28, 28, 1) in;

against the Keras model (model.keras) on the same pixel tensors, called inside a
tf.function (`raw model`: the network alone) and through `predict_on_batch`; and against
ONNX Runtime running the same Keras model converted by tf2onnx, when `tf2onnx` and
`onnxruntime` are installed (`pip install .[benchmark]`; otherwise reported as "not
installed"). Batch-1 latency (ms per call) and batch-64 throughput (images/s), all
contenders in alternating rounds, medians (benchmarks/timing.py). The target (issue 14,
§3.3): bytes-in within 1.5× of the raw model at batch 64, i.e. raw / bytes-in ≤ 1.5.

Inputs are Fashion-MNIST test images, PNG-encoded once beforehand: plain 28×28 grey PNGs,
which take the signature's batched fast path (kerasvision/io/graph_batch_preprocessing.py).
`serving_default, general path` sends random-pixel PNGs instead: about half of them have a
light background, which the photo conversion must handle, so the whole batch goes through
the exact per-image path (the worst case). Writes benchmarks/results/serving_speed.json.
"""

import argparse
import io
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks import timing  # noqa: E402

NAME = "serving_speed"
RAW = "Keras model, tf.function call"
BYTES = "SavedModel serving_default (PNG bytes)"
BYTES_GENERAL = "SavedModel serving_default, general path (random-pixel PNGs)"
TARGET_BYTES_OVER_RAW = 1.5


def png_bytes(images):
    from PIL import Image

    encoded = []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(image[..., 0]).save(buffer, format="PNG")
        encoded.append(buffer.getvalue())
    return encoded


def onnx_session(model, channels=1, size=28):
    """An onnxruntime session of `model` converted by tf2onnx, or (None, why not)."""
    try:
        import onnxruntime
        import tf2onnx
    except ImportError as error:
        return None, f"not installed ({error.name}); pip install .[benchmark]"
    import tensorflow as tf

    spec = (tf.TensorSpec((None, size, size, channels), tf.float32, name="pixels"),)
    function = tf.function(lambda pixels: model(pixels, training=False))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.onnx")
            tf2onnx.convert.from_function(function, input_signature=spec, opset=17,
                                          output_path=path)
            session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    except Exception as error:  # noqa: BLE001 - a converter failure is a result to report
        return None, f"tf2onnx conversion failed: {type(error).__name__}: {error}"[:300]
    return session, f"tf2onnx {tf2onnx.__version__}, onnxruntime {onnxruntime.__version__}"


def contenders_for(batch, served, keras_model, session, pixels, pngs, random_pngs):
    """{label: callable doing one call on a batch of `batch` images}."""
    import tensorflow as tf

    x = tf.constant(pixels[:batch].astype("float32"))
    encoded = tf.constant(pngs[:batch])
    general = tf.constant(random_pngs[:batch])
    raw = tf.function(lambda t: keras_model(t, training=False))
    default, by_pixels = served.signatures["serving_default"], served.signatures["serving_pixels"]
    calls = {BYTES: lambda: default(image_bytes=encoded),
             BYTES_GENERAL: lambda: default(image_bytes=general),
             "SavedModel serving_pixels (float pixels)": lambda: by_pixels(pixels=x),
             RAW: lambda: raw(x),
             "Keras model, predict_on_batch": lambda: keras_model.predict_on_batch(x)}
    if session is not None:
        name = session.get_inputs()[0].name
        array = pixels[:batch].astype("float32")
        calls["ONNX Runtime (tf2onnx)"] = lambda: session.run(None, {name: array})
    return calls


def repeated(call, times):
    def run():
        for _ in range(times):
            call()

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch1-calls", type=int, default=50,
                        help="calls per repetition at batch 1")
    parser.add_argument("--batch64-calls", type=int, default=10,
                        help="calls per repetition at batch 64")
    parser.add_argument("--large-batch", type=int, default=64)
    parser.add_argument("--results-dir", default=None)
    args = parser.parse_args(argv)

    import numpy as np
    import tensorflow as tf

    from kerasvision.tasks.image_classifier import ImageClassifier
    from kerasvision.tasks.saved_model_classifier import resolve_version_dir
    from kerasvision.tasks.shipped_models import DEFAULT_CLASSIFIER, shipped_model_dir

    folder = shipped_model_dir(DEFAULT_CLASSIFIER)
    version = resolve_version_dir(folder)
    served = tf.saved_model.load(str(version))
    keras_model = ImageClassifier.load(folder / "model.keras").model
    from kerasvision.data.fashion_mnist import load_fashion_mnist

    pixels = load_fashion_mnist()[1][0][:args.large_batch, :, :, None]
    pngs = png_bytes(pixels)
    random_pngs = png_bytes(np.random.default_rng(0).integers(
        0, 256, (args.large_batch, 28, 28, 1), dtype=np.uint8))
    session, onnx_note = onnx_session(keras_model)
    print(f"ONNX: {onnx_note}", flush=True)

    result = {"saved_model": str(version.relative_to(folder.parent.parent)),
              "onnx": onnx_note, "settings": {k: v for k, v in vars(args).items()
                                              if k != "results_dir"}, "rows": []}
    for batch, calls in ((1, args.batch1_calls), (args.large_batch, args.batch64_calls)):
        contenders = contenders_for(batch, served, keras_model, session, pixels, pngs,
                                    random_pngs)
        seconds = timing.alternate({k: repeated(c, calls) for k, c in contenders.items()},
                                   repeats=args.repeats)
        for label in contenders:
            summary = timing.summarise(seconds[label], batch * calls)
            result["rows"].append({"batch": batch, "contender": label,
                                   "ms_per_call": 1000 * summary["median_s"] / calls,
                                   "images_per_second": summary["per_second"], **summary})
    big = {r["contender"]: r for r in result["rows"] if r["batch"] == args.large_batch}
    result["bytes_over_raw_at_large_batch"] = timing.ratio(
        big[RAW]["images_per_second"], big[BYTES]["images_per_second"])
    result["target_bytes_over_raw"] = TARGET_BYTES_OVER_RAW
    path = timing.write_result(NAME, result, args.results_dir)
    print(f"\n{timing.machine_line(timing.machine())}\nSavedModel {result['saved_model']}\n")
    print(timing.markdown_table(
        ["batch", "contender", "ms per call", "images/s"],
        [(r["batch"], r["contender"], r["ms_per_call"], r["images_per_second"])
         for r in result["rows"]]))
    slower = result["bytes_over_raw_at_large_batch"]
    print(f"\nbytes-in is {slower:.2f}× slower than the raw model at batch {args.large_batch} "
          f"(target ≤ {TARGET_BYTES_OVER_RAW}×)\nwritten: {path}")


if __name__ == "__main__":
    main()
