"""Serving the shipped classifier in bfloat16 against float32: accuracy change and speed.

    python -m benchmarks.serving_precision
    python -m benchmarks.serving_precision --repeats 5 --batch64-calls 10

The same trained weights, called inside a tf.function:

- `float32`: the shipped model (model.keras) as it is;
- `bfloat16`: a copy whose layers compute under Keras's "mixed_bfloat16" policy (float32
  weights cast to bf16, AVX-512 BF16 on CPUs that have it), the class probabilities left in
  float32 (kerasvision/tasks/training_precision.py);

int8 is not among them: Keras's `quantize("int8")` covers Dense, EinsumDense and Embedding
layers only, and a convolutional network's time is in its convolutions.

Issue 14 ships a reduced precision only if accuracy drops by less than 0.1 point. The
Fashion-MNIST test images give the accuracy of each and the share of images whose top class
changes (which bounds the drop without labels); the speed is batch-1 latency and batch-64
throughput in alternating rounds, medians (benchmarks/timing.py). Writes
benchmarks/results/serving_precision.json.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks import timing  # noqa: E402

NAME = "serving_precision"
ALLOWED_DROP_POINTS = 0.1


def bf16_copy(model):
    """`model` rebuilt with every layer computing in bfloat16, its outputs in float32."""
    import keras

    from kerasvision.tasks.training_precision import float32_outputs, precision_policy

    with precision_policy("mixed_bfloat16"):
        twin = keras.Model.from_config(model.get_config())
    # The config names float32 per layer; the policy applies to layers that name none.
    for layer in twin.layers:
        if not isinstance(layer, keras.layers.InputLayer):
            layer.dtype_policy = keras.DTypePolicy("mixed_bfloat16")
    float32_outputs(twin)
    twin.set_weights(model.get_weights())
    return twin


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch1-calls", type=int, default=50)
    parser.add_argument("--batch64-calls", type=int, default=10)
    parser.add_argument("--results-dir", default=None)
    args = parser.parse_args(argv)

    import numpy as np
    import tensorflow as tf

    from kerasvision.data.fashion_mnist import load_fashion_mnist
    from kerasvision.tasks.image_classifier import ImageClassifier
    from kerasvision.tasks.shipped_models import DEFAULT_CLASSIFIER, shipped_model_dir

    model = ImageClassifier.load(shipped_model_dir(DEFAULT_CLASSIFIER) / "model.keras").model
    models = {"float32": model, "bfloat16": bf16_copy(model)}
    _, (x_test, y_test) = load_fashion_mnist()
    x = x_test[..., None].astype("float32")
    traced = {name: tf.function(lambda t, m=m: m(t, training=False),
                                input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32)])
              for name, m in models.items()}
    predictions, accuracy = {}, {}
    for name, call in traced.items():
        scores = np.concatenate([call(tf.constant(x[i:i + 500])).numpy()
                                 for i in range(0, len(x), 500)])
        predictions[name] = scores.argmax(-1)
        accuracy[name] = float(np.mean(predictions[name] == y_test))
    changed = float(np.mean(predictions["bfloat16"] != predictions["float32"]))
    rows = []
    for batch, calls in ((1, args.batch1_calls), (64, args.batch64_calls)):
        batch_x = tf.constant(x[:batch])

        def repeated(call, times=calls):
            def run():
                for _ in range(times):
                    call(batch_x)
            return run

        seconds = timing.alternate({n: repeated(c) for n, c in traced.items()},
                                   repeats=args.repeats)
        for name in traced:
            summary = timing.summarise(seconds[name], batch * calls)
            rows.append({"batch": batch, "precision": name,
                         "ms_per_call": 1000 * summary["median_s"] / calls,
                         "images_per_second": summary["per_second"], **summary})
    speed = {r["precision"]: r["images_per_second"] for r in rows if r["batch"] == 64}
    drop = 100 * (accuracy["float32"] - accuracy["bfloat16"])
    result = {"accuracy": accuracy, "drop_points": drop, "top_class_changed": changed,
              "bf16_speedup_at_64": timing.ratio(speed["bfloat16"], speed["float32"]),
              "within_allowed_drop": bool(drop < ALLOWED_DROP_POINTS),
              "rows": rows, "settings": {k: v for k, v in vars(args).items()
                                         if k != "results_dir"}}
    path = timing.write_result(NAME, result, args.results_dir)
    print(f"\n{timing.machine_line(timing.machine())}\n")
    print(timing.markdown_table(["batch", "precision", "ms per call", "images/s"],
                                [(r["batch"], r["precision"], r["ms_per_call"],
                                  r["images_per_second"]) for r in rows]))
    print(f"\ntest accuracy float32 {accuracy['float32']:.4f}, bfloat16 "
          f"{accuracy['bfloat16']:.4f} ({drop:+.2f} points dropped); top class changed on "
          f"{100 * changed:.2f} % of the images; bf16 {result['bf16_speedup_at_64']:.2f}× "
          f"the float32 speed at batch 64\nwritten: {path}")


if __name__ == "__main__":
    main()
