"""Turn a finished training run into a shipped model folder.

    OUTPUT/model.keras        the classifier, class names inside (for `classify` and inspection)
    OUTPUT/VERSION/           the TF Serving export (signatures, labels, warmup records)
    OUTPUT/training_curve.png loss and accuracy per epoch
    OUTPUT/metrics.json       test metrics; OUTPUT/confusion_matrix.png
    OUTPUT/MODEL_CARD.md      architecture, parameters, data, accuracy, time, the exact command
"""

import csv
import json
import platform
from pathlib import Path

import numpy as np


def read_history(csv_path):
    """history.csv (CSVLogger; a resumed run appends) -> dict of lists, one row per epoch."""
    with open(csv_path) as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("epoch", "").isdigit()]
    by_epoch = {int(r["epoch"]): r for r in rows}  # a resumed epoch replaces its partial twin
    keys = [k for k in rows[0] if k != "epoch"] if rows else []
    return {k: [float(by_epoch[e][k]) for e in sorted(by_epoch)] for k in keys}


def publish_classifier(workdir, output, command, x_test, y_test, note="", flip_averaging=False):
    """Write the shipped-model folder from `workdir`'s final.keras and history.csv.

    With `flip_averaging`, the shipped graph averages the scores of each image and its mirror
    image (tasks/flip_averaging.py); the single-view accuracy is reported beside it.
    """
    import keras

    from kerasvision.inspect import plot_history
    from kerasvision.tasks.atomic_checkpoint import save_model_atomically
    from kerasvision.tasks.flip_averaging import with_flip_averaging
    from kerasvision.tasks.image_classifier import ImageClassifier

    workdir, output = Path(workdir), Path(output)
    output.mkdir(parents=True, exist_ok=True)
    config = json.loads((workdir / "config.json").read_text())
    summary = json.loads((workdir / "summary.json").read_text())
    model = keras.saving.load_model(workdir / "final.keras")
    single_view = ImageClassifier(model, config["class_names"])
    single_accuracy = single_view.evaluate(x_test, y_test)["accuracy"]
    classifier = (ImageClassifier(with_flip_averaging(single_view.model)) if flip_averaging
                  else single_view)
    save_model_atomically(classifier.model, output / "model.keras")

    report = classifier.evaluate(x_test, y_test, confusion_png=output / "confusion_matrix.png")
    history = read_history(workdir / "history.csv")
    plot_history(history, output / "training_curve.png")
    version_dir = classifier.export(output)
    trainable = int(sum(np.prod(w.shape) for w in classifier.model.trainable_weights))
    metrics = {"test_accuracy": report["accuracy"], "test_top5_accuracy": report["top5_accuracy"],
               "test_accuracy_single_view": single_accuracy, "flip_averaging": flip_averaging,
               "per_class": report["per_class"], "params": int(classifier.model.count_params()),
               "trainable_params": trainable, "epochs": len(history.get("loss", [])),
               "train_minutes": summary.get("train_minutes_total",
                                            summary.get("train_minutes_this_run")),
               "version_dir": version_dir.name}
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2))
    (output / "MODEL_CARD.md").write_text(_model_card(config, metrics, command, note))
    return metrics


def _model_card(config, metrics, command, note):
    per_class = "\n".join(f"| {name} | {v['precision']:.3f} | {v['recall']:.3f} |"
                          for name, v in metrics["per_class"].items())
    return f"""# Fashion-MNIST classifier ({config['model']})

**Test accuracy {metrics['test_accuracy']:.4f}** (top-5 {metrics['test_top5_accuracy']:.4f}) on
the 10,000 Fashion-MNIST test images, never used for training or model selection (the last
epoch is shipped). {"The shipped graph averages each image's scores with its mirror image's; one view alone scores " + format(metrics['test_accuracy_single_view'], '.4f') + "." if metrics['flip_averaging'] else "Single view, no test-time augmentation."}

| | |
|---|---|
| architecture | `{config['model']}`: wide ResNet WRN-16-2 (Zagoruyko & Komodakis 2016), pre-activation units, widths 32/64/128, normalisation (x/255 − {config['mean']:.4f})/{config['std']:.4f} inside the graph |
| parameters | {metrics['params']:,} ({metrics['trainable_params']:,} trainable) |
| data | Fashion-MNIST train split, 60,000 images 28×28 grey; augmentation: pad-2 random crop, horizontal flip, random erasing (p=0.5) |
| training | {metrics['epochs']} epochs, batch {config['batch_size']}, SGD + Nesterov 0.9, lr {config['learning_rate']} (1 warm-up epoch, cosine to 0), weight decay {config['weight_decay']} (kernels), label smoothing {config['label_smoothing']}, seed {config['seed']} |
| training time | {metrics['train_minutes']} min on {platform.machine()} CPU, 2 cores (TensorFlow CPU build) |
| inputs | `serving_default`: `image_bytes` (JPEG/PNG/GIF/BMP); `serving_pixels`: float32 [N, 28, 28, 1] in 0–255 |
| outputs | `scores` [N, 10], `classes` [N, 5], `labels` [N, 5] |

{note}

## Per-class precision and recall (test set)

| class | precision | recall |
|---|---|---|
{per_class}

## Reproduce

```
{command}
```

![training curve](training_curve.png)
![confusion matrix](confusion_matrix.png)
"""
