"""The figures of apps/multiscale: reads the runs of `train.py`, measures on the held-out
validation images (curves, choices) and once on the Fashion-MNIST test split (the table), and
writes `apps/multiscale/results.json` and three PNGs beside it:

- `pruning_curve.png`: each fabric pruned at thresholds on |gate|, validation accuracy against
  the fraction of connections kept, as pruned and with the BN statistics re-estimated on 1,000
  training images (no weight trained; Saxena & Verbeek, NIPS 2016, §4);
- `cost_penalty.png`: validation accuracy against multiply-accumulates for the gate penalty
  weights λ, along each fabric's pruning curve and as trained (in the spirit of Veniat &
  Denoyer, CVPR 2018);
- `anytime_curve.png`: MSDNet's early-exit policy, test accuracy against average MACs over
  confidence thresholds, beside each exit alone and the shipped classifier's single exit
  (Huang et al., ICLR 2018, §5.2).

Costs are multiply-accumulates per image (`kerasvision.inspect`), the "FLOPs" of the papers'
figures. Nothing is trained here.

    python apps/multiscale/report.py                # or --plots-only: redraw from results.json
"""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import train  # noqa: E402 - the recipes' constants and data splits

HERE = Path(__file__).parent
PRUNE_THRESHOLD = 0.05  # what "closed" means for the penalised fabrics' gates
EARLY_EXIT_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0)


def summary(run):
    path = train.RUNS / run / "summary.json"
    return json.loads(path.read_text()) if path.is_file() else None


def total_macs(model):
    from kerasvision.inspect.exit_multiply_accumulates import output_multiply_accumulates

    return int(output_multiply_accumulates(model)[-1])


def accuracy(model, x, y):
    scores = model.predict(x, batch_size=500, verbose=0)
    return float((np.asarray(scores).argmax(-1) == y).mean())


def with_batch_statistics(model, x):
    """`model` with its BN moving statistics re-estimated on `x` (training images): pruning
    removes terms of the sums the statistics were measured on. No weight is trained."""
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            layer.momentum = 0.0  # the moving statistics become those of this one batch
    model(x, training=True)
    return model


def pruning_curve(model, gates, xv, yv, x_calibration):
    """Prune 0, 10, ... 90 % of the edges by |gate| (and what that cuts off): fraction kept,
    MACs, validation accuracy as pruned and after re-estimating the BN statistics."""
    from kerasvision.models.multiscale import prune

    magnitudes = np.sort(np.abs(np.array(list(gates.values()))))
    curve = []
    for share in np.arange(0.0, 1.0, 0.1):
        index = int(round(share * len(magnitudes)))
        threshold = 0.0 if index == 0 else float(magnitudes[index - 1])
        try:
            pruned = prune(model, threshold)
        except ValueError:  # every path to the read-out cut
            continue
        point = {"threshold": threshold, "fraction_kept": pruned.fraction_kept,
                 "macs": total_macs(pruned.model),
                 "validation_accuracy": accuracy(pruned.model, xv, yv)}
        point["validation_accuracy_bn_reestimated"] = accuracy(
            with_batch_statistics(pruned.model, x_calibration), xv, yv)
        curve.append(point)
    return curve


def fabric_figures(xv, yv, xt, yt, x_calibration):
    """Every fabric run (λ = 0 and the penalised ones): as trained, pruned at
    PRUNE_THRESHOLD, and along a pruning curve."""
    import keras

    import kerasvision.layers  # noqa: F401 - registers EdgeGate for loading
    from kerasvision.models.multiscale import expected_multiply_accumulates, prune
    from kerasvision.models.multiscale.fabric_layout import fabric_layout

    runs = sorted(p.name for p in train.RUNS.glob("fabric_lambda*")
                  if (p / "final.keras").is_file())
    out = {}
    for run in runs:
        model = keras.saving.load_model(train.RUNS / run / "final.keras")
        as_saved = accuracy(model, xv, yv)
        # Gates that moved fast in a short run leave the BN moving averages behind them, so
        # every fabric is measured with its statistics re-estimated (no weight trained).
        model = with_batch_statistics(model, x_calibration)
        gates = fabric_layout(model).gates
        pruned = with_batch_statistics(prune(model, PRUNE_THRESHOLD).model, x_calibration)
        fraction_kept = prune(model, PRUNE_THRESHOLD).fraction_kept
        out[run] = {**summary(run), "edges": len(gates),
                    "validation_accuracy_bn_as_saved": as_saved,
                    "gates_at_or_below_threshold": int(sum(abs(g) <= PRUNE_THRESHOLD
                                                           for g in gates.values())),
                    "macs": total_macs(model),
                    "expected_macs": expected_multiply_accumulates(model),
                    "validation_accuracy": accuracy(model, xv, yv),
                    "test_accuracy": accuracy(model, xt, yt),
                    "pruned": {"threshold": PRUNE_THRESHOLD, "fraction_kept": fraction_kept,
                               "params": pruned.count_params(), "macs": total_macs(pruned),
                               "validation_accuracy": accuracy(pruned, xv, yv),
                               "test_accuracy": accuracy(pruned, xt, yt)},
                    "gate_magnitudes": sorted(float(abs(g)) for g in gates.values()),
                    "pruning_curve": pruning_curve(model, gates, xv, yv, x_calibration)}
    return out


def msdnet_figures(xt, yt):
    from kerasvision.inspect.exit_multiply_accumulates import output_multiply_accumulates
    from kerasvision.models.multiscale.anytime_prediction import first_confident_exit
    from kerasvision.tasks.image_classifier import ImageClassifier

    classifier = ImageClassifier.load(train.RUNS / "msdnet" / "final.keras")
    model = classifier.model
    pixels = xt.astype("float32")
    exits = [np.asarray(s) for s in model.predict(pixels, batch_size=500, verbose=0)]
    cumulative = output_multiply_accumulates(model)
    alone = output_multiply_accumulates(model, include_earlier_exits=False)
    curve = []
    for threshold in EARLY_EXIT_THRESHOLDS:
        chosen, probabilities = first_confident_exit(exits, threshold)
        curve.append({"threshold": threshold,
                      "test_accuracy": float((probabilities.argmax(-1) == yt).mean()),
                      "average_macs": float(np.mean([cumulative[k - 1] for k in chosen])),
                      "exit_shares": [float((chosen == k).mean())
                                      for k in range(1, len(exits) + 1)]})
    return {**summary("msdnet"), "params": model.count_params(),
            "per_exit": [{"exit": k, "test_accuracy": float((s.argmax(-1) == yt).mean()),
                          "macs_with_earlier_exits": int(c), "macs_alone": int(a)}
                         for k, (s, c, a) in enumerate(zip(exits, cumulative, alone), start=1)],
            "early_exit_curve": curve}


def shipped_figures(xt, yt):
    from kerasvision.tasks.image_classifier import ImageClassifier

    classifier = ImageClassifier.load()
    return {"params": classifier.model.count_params(), "macs": total_macs(classifier.model),
            "test_accuracy": classifier.evaluate(xt, yt, batch_size=500)["accuracy"]}


def segmentation_figures(recipe="gridnet"):
    """A segmentation run's summary (validation mIoU on generated scenes) with its MACs."""
    from kerasvision.models import build

    record = summary(recipe)
    return record and {**record,
                       "macs": total_macs(build(recipe, **train.SEGMENTATION[recipe]))}


def run_label(record):
    """λ, and whether the run continued the λ = 0 fabric for its budget."""
    continued = f", +{record['train_machine_minutes']:.1f} min" if record.get("init_from") else ""
    return f"λ={record['budget_penalty']:g}{continued}"


def plot(results):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fabric = results["fabric"]
    ordered = sorted(fabric.items(), key=lambda kv: (kv[1]["budget_penalty"],
                                                      bool(kv[1].get("init_from"))))
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, (run, r) in enumerate(ordered):
        curve = r["pruning_curve"]
        kept = [c["fraction_kept"] for c in curve]
        ax.plot(kept, [c["validation_accuracy_bn_reestimated"] for c in curve], "o-",
                color=f"C{i}", label=f"{run_label(r)}: BN statistics re-estimated")
        if run == "fabric_lambda0":
            ax.plot(kept, [c["validation_accuracy"] for c in curve], "x:", color=f"C{i}",
                    label=f"{run_label(r)}: as pruned")
    ax.set(xlabel="fraction of connections (edges) kept", ylabel="validation accuracy",
           title="Fabric 6 layers x 4 scales x 16 ch, Fashion-MNIST: pruning by |gate|")
    ax.invert_xaxis()
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(HERE / "pruning_curve.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, (run, r) in enumerate(ordered):
        curve = r["pruning_curve"]
        ax.plot([c["macs"] / 1e6 for c in curve],
                [c["validation_accuracy_bn_reestimated"] for c in curve], "o-", color=f"C{i}",
                label=f"{run_label(r)}: pruned by |gate|")
        ax.plot(r["expected_macs"] / 1e6, r["validation_accuracy"], "x", color=f"C{i}",
                markersize=10)
    ax.plot([], [], "kx", label="as trained, at expected MACs (sum of min(|g|,1) x cost)")
    ax.set(xlabel="multiply-accumulates per image (millions)",
           ylabel="validation accuracy (BN re-estimated)",
           title="Cost-aware gate penalty λ: accuracy against MACs")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(HERE / "cost_penalty.png", dpi=110)
    plt.close(fig)

    msd, shipped = results["msdnet"], results["shipped_classifier"]
    fig, ax = plt.subplots(figsize=(6, 4))
    ec = msd["early_exit_curve"]
    ax.plot([c["average_macs"] / 1e6 for c in ec], [c["test_accuracy"] for c in ec], "o-",
            label="MSDNet early exit (thresholds)")
    ax.plot([e["macs_with_earlier_exits"] / 1e6 for e in msd["per_exit"]],
            [e["test_accuracy"] for e in msd["per_exit"]], "s--", label="MSDNet, one exit for all")
    ax.plot([shipped["macs"] / 1e6], [shipped["test_accuracy"]], "r*", markersize=12,
            label="shipped classifier (wrn_16_2, one exit)")
    ax.set_xscale("log")
    ticks = [1, 2, 5, 10, 20, 50, 100]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set(xlabel="average multiply-accumulates per image (millions, log)",
           ylabel="test accuracy", title="Anytime prediction on Fashion-MNIST")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(HERE / "anytime_curve.png", dpi=110)
    plt.close(fig)


def main():
    if sys.argv[1:] == ["--plots-only"]:  # redraw from results.json
        plot(json.loads((HERE / "results.json").read_text()))
        return
    from kerasvision.data.fashion_mnist import load_fashion_mnist

    (x, _), (xv, yv) = train.fashion_splits()
    _, (xt, yt) = load_fashion_mnist()
    xt = xt[..., None]
    calibration = train.normalized(x[np.random.default_rng(0).permutation(len(x))[:1000]])
    results = {"fabric": fabric_figures(train.normalized(xv), yv, train.normalized(xt), yt,
                                        calibration),
               "msdnet": msdnet_figures(xt, yt),
               "shipped_classifier": shipped_figures(xt, yt),
               "gridnet": segmentation_figures("gridnet"),
               "fabric_segmentation": segmentation_figures("fabric_segmentation")}
    (HERE / "results.json").write_text(json.dumps(results, indent=2, default=float))
    plot(results)
    print(json.dumps({k: v for k, v in results.items() if k != "fabric"}, indent=1,
                     default=float)[:3000])


if __name__ == "__main__":
    main()
