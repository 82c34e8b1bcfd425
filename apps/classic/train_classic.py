"""Recipe: the classic models on 2-D toy sets and on Fashion-MNIST, with plots and measurements.

    nice -n 10 python apps/classic/train_classic.py --output apps/classic

Writes, under --output:
  boundaries.png     decision boundaries: perceptron vs kernel perceptron vs RBF network vs MLP
                     on a linearly separable set, concentric circles and XOR
  xor.png            XOR: the perceptron's mistakes per epoch never reach zero; a 2-layer MLP's do
  embeddings.png     a linear perceptron on Nyström / random-Fourier features vs the kernel
                     perceptron's boundary, as the embedding grows
  relu_vs_tanh.png   training error of the same MLP with ReLU and with tanh (AlexNet, Fig. 1)
  results.json       every measured number (Novikoff updates vs bound, accuracies, epoch ratio)
The whole run is sized for a shared 2-core CPU (a few CPU-minutes).
"""

import argparse
import json
import os
import resource
import time
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import keras  # noqa: E402

from kerasvision.data.fashion_mnist import load_fashion_mnist  # noqa: E402
from kerasvision.layers import NystroemFeatures, RandomFourierFeatures  # noqa: E402
from kerasvision.models import build  # noqa: E402
from kerasvision.models.classic.perceptron import PerceptronConvergenceWarning  # noqa: E402

GRID_HALF_WIDTH = 3.5


# ----------------------------------------------------------------------------- toy data
def separable_set(rng, n=150):
    x = rng.uniform(-3, 3, size=(n, 2))
    score = x @ np.array([1.0, -0.7]) + 0.4
    keep = np.abs(score) > 0.3  # a margin δ > 0
    return x[keep].astype("float32"), np.where(score[keep] > 0, 1.0, -1.0).astype("float32")


def circles_set(rng, n=200):
    r = np.where(rng.uniform(size=n) < 0.5, 1.0, 2.5)
    a = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([r * np.cos(a), r * np.sin(a)], 1) + rng.normal(0, 0.15, (n, 2))
    return x.astype("float32"), np.where(r < 2, 1.0, -1.0).astype("float32")


def xor_set(rng, n=200):
    centres = np.array([[-1.5, -1.5], [-1.5, 1.5], [1.5, -1.5], [1.5, 1.5]])
    which = rng.integers(0, 4, n)
    x = centres[which] + rng.normal(0, 0.5, (n, 2))
    t = np.where(np.sign(x[:, 0]) == np.sign(x[:, 1]), -1.0, 1.0)
    return x.astype("float32"), t.astype("float32")


def probe_grid(steps=150):
    axis = np.linspace(-GRID_HALF_WIDTH, GRID_HALF_WIDTH, steps)
    xx, yy = np.meshgrid(axis, axis)
    return xx, yy, np.stack([xx.ravel(), yy.ravel()], 1).astype("float32")


# ----------------------------------------------------------------------------- toy models
def fit_perceptron(x, t, epochs=100):
    model = build("perceptron", input_shape=(2,), associative_units=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PerceptronConvergenceWarning)
        history = model.fit(x, t, epochs=epochs, verbose=0)
    converged = not any(issubclass(w.category, PerceptronConvergenceWarning) for w in caught)
    return model, history.history["errors"], converged


def fit_kernel_perceptron(x, t, shuffle=True):
    model = build("kernel_perceptron", kernel="rbf", gamma=1.0, capacity=len(x) * 4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PerceptronConvergenceWarning)
        history = model.fit(x, t, epochs=100, shuffle=shuffle, verbose=0)
    converged = not any(issubclass(w.category, PerceptronConvergenceWarning) for w in caught)
    return model, history.history["errors"], converged


def fit_mlp(x, t, seed=0):
    keras.utils.set_random_seed(seed)
    model = build("mlp", input_shape=(2,), hidden_units=(16, 16), classes=2, activation="tanh",
                  learning_rate=0.02, seed=seed)
    y = (t > 0).astype("int32")
    # 100 passes over the data, as 10 epochs over 10 copies (fewer per-epoch overheads).
    history = model.fit(np.tile(x, (10, 1)), np.tile(y, 10), epochs=10, batch_size=32,
                        verbose=0)
    return model, history


def fit_rbf_network(x, t, seed=0):
    keras.utils.set_random_seed(seed)
    centres = x[np.random.default_rng(seed).choice(len(x), 12, replace=False)]
    model = build("rbf_network", basis_functions=12, centers=centres, learning_rate=0.05)
    y = (t > 0).astype("int32")
    model.fit(np.tile(x, (10, 1)), np.tile(y, 10), epochs=10, batch_size=32, verbose=0)
    return model


def decide(model, points):
    """+1 / −1 decisions of a perceptron-like (sign) or softmax (argmax) model."""
    out = model.predict(points, verbose=0, batch_size=4096)
    return out[:, 0] if out.shape[-1] == 1 else np.where(out.argmax(-1) == 1, 1.0, -1.0)


def draw(ax, xx, yy, decisions, x, t, title):
    ax.contourf(xx, yy, decisions.reshape(xx.shape), levels=[-2, 0, 2],
                colors=["#f4c7c3", "#c6dbef"], alpha=0.9)
    ax.scatter(*x[t < 0].T, s=6, c="#b2182b", label="t = −1")
    ax.scatter(*x[t > 0].T, s=6, c="#2166ac", label="t = +1")
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-GRID_HALF_WIDTH, GRID_HALF_WIDTH)
    ax.set_ylim(-GRID_HALF_WIDTH, GRID_HALF_WIDTH)


def toy_boundaries(out_dir, results):
    rng = np.random.default_rng(0)
    sets = {"separable": separable_set(rng), "circles": circles_set(rng), "xor": xor_set(rng)}
    xx, yy, grid = probe_grid()
    fig, axes = plt.subplots(3, 4, figsize=(11, 8.5))
    toy = {}
    for row, (name, (x, t)) in enumerate(sets.items()):
        perceptron, _, p_conv = fit_perceptron(x, t)
        kernel, _, k_conv = fit_kernel_perceptron(x, t)
        rbf = fit_rbf_network(x, t)
        mlp, _ = fit_mlp(x, t)
        entry = {}
        for col, (label, model) in enumerate([("perceptron", perceptron),
                                              ("kernel perceptron (RBF)", kernel),
                                              ("RBF network (12 bases)", rbf),
                                              ("MLP 16-16 tanh", mlp)]):
            acc = float(np.mean(decide(model, x) == t))
            entry[label] = acc
            extra = ""
            if label == "perceptron":
                extra = f", {'converged' if p_conv else 'no convergence'}"
            elif label.startswith("kernel"):
                extra = f", {'converged' if k_conv else 'no convergence'}"
            draw(axes[row, col], xx, yy, decide(model, grid), x, t,
                 f"{label} on {name}\ntrain acc {acc:.1%}{extra}")
        entry["perceptron_converged"] = p_conv
        entry["perceptron_updates"] = perceptron.updates
        entry["kernel_perceptron_converged"] = k_conv
        entry["kernel_perceptron_mistakes"] = kernel.updates
        toy[name] = entry
    fig.suptitle("Decision boundaries (kerasvision apps/classic)")
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "boundaries.png"), dpi=110)
    plt.close(fig)
    results["toy"] = toy
    return sets


def xor_figure(out_dir, results):
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], "float32")
    t = np.array([-1, 1, 1, -1], "float32")
    perceptron, errors, converged = fit_perceptron(x, t, epochs=50)
    keras.utils.set_random_seed(0)
    mlp = build("mlp", input_shape=(2,), hidden_units=(4,), classes=2, activation="tanh",
                learning_rate=0.05, seed=0)
    mlp_errors = []
    for _ in range(30):  # each: 10 passes over the four points
        mlp.fit(np.tile(x, (10, 1)), np.tile((t > 0).astype("int32"), 10), batch_size=4,
                epochs=1, verbose=0)
        mlp_errors.append(int(np.sum(decide(mlp, x) != t)))
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    axes[0].plot(np.arange(1, len(errors) + 1), errors, "o-", ms=3, label="perceptron")
    axes[0].plot(np.arange(1, 31), mlp_errors, "s-", ms=3, label="MLP 2-4-2 (tanh)")
    axes[0].set_xlabel("epoch (MLP: 10 passes each)")
    axes[0].set_ylabel("mistakes in the epoch (of 4)")
    axes[0].set_yticks(range(5))
    axes[0].set_title("XOR: the perceptron never converges")
    axes[0].legend()
    xx, yy, grid = probe_grid(120)
    scaled = (grid + GRID_HALF_WIDTH) / (2 * GRID_HALF_WIDTH) * 1.6 - 0.3
    for ax, model, label in ((axes[1], perceptron, "perceptron"), (axes[2], mlp, "2-layer MLP")):
        d = decide(model, scaled)
        ax.contourf(xx, yy, d.reshape(xx.shape), levels=[-2, 0, 2],
                    colors=["#f4c7c3", "#c6dbef"])
        px = (x + 0.3) / 1.6 * 2 * GRID_HALF_WIDTH - GRID_HALF_WIDTH
        ax.scatter(*px[t < 0].T, s=80, c="#b2182b")
        ax.scatter(*px[t > 0].T, s=80, c="#2166ac")
        ax.set_title(f"{label}: {int(np.sum(decide(model, x) != t))} of 4 wrong")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "xor.png"), dpi=110)
    plt.close(fig)
    results["xor"] = {"perceptron_converged": converged, "perceptron_last_epoch_mistakes":
                      errors[-1], "mlp_mistakes": mlp_errors[-1]}


def embeddings_figure(out_dir, sets, results):
    x, t = sets["circles"]
    # Same data order for every model: with an exact embedding the mistakes are then the same.
    kernel, _, _ = fit_kernel_perceptron(x, t, shuffle=False)
    xx, yy, grid = probe_grid()
    reference = decide(kernel, grid)
    rows = [("Nyström", lambda m: NystroemFeatures(m, gamma=1.0, seed=0).adapt(x), (5, 20, len(x))),
            ("random Fourier", lambda m: RandomFourierFeatures(m, gamma=1.0, seed=0),
             (10, 100, 2000))]
    fig, axes = plt.subplots(2, 4, figsize=(11, 5.8))
    agreement = {}
    for r, (label, make, sizes) in enumerate(rows):
        draw(axes[r, 0], xx, yy, reference, x, t, "kernel perceptron (RBF, γ = 1)")
        for c, m in enumerate(sizes, start=1):
            embed = make(m)
            model = build("perceptron", input_shape=(m,), associative_units=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PerceptronConvergenceWarning)
                model.fit(np.asarray(embed(x)), t, epochs=30, shuffle=False, verbose=0)
            d = decide(model, np.asarray(embed(grid)))
            agree = float(np.mean(d == reference))
            agreement[f"{label} {m}"] = agree
            draw(axes[r, c], xx, yy, d, x, t,
                 f"perceptron on {m} {label} features\nagrees with kernel boundary: {agree:.1%}")
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "embeddings.png"), dpi=110)
    plt.close(fig)
    results["embedding_agreement_with_kernel_perceptron"] = agreement


def novikoff_table(results, seeds=range(5)):
    """Updates to convergence vs Novikoff's (M/δ)² on separable data with a known margin."""
    rows = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        w_star = rng.normal(size=4)
        w_star /= np.linalg.norm(w_star)
        x = rng.uniform(-1, 1, size=(4000, 3))
        phi = np.hstack([x, np.ones((len(x), 1))])
        keep = np.abs(phi @ w_star) >= 0.1
        x, phi = x[keep][:200], phi[keep][:200]
        t = np.where(phi @ w_star > 0, 1.0, -1.0)
        bound = (np.linalg.norm(phi, axis=1).max() / np.min(t * (phi @ w_star))) ** 2
        model = build("perceptron", input_shape=(3,), associative_units=0)
        model.fit(x.astype("float32"), t.astype("float32"), epochs=int(bound) + 2,
                  batch_size=len(x), verbose=0)
        errors = int(np.sum(decide(model, x.astype("float32")) != t))
        rows.append({"seed": seed, "updates": model.updates, "bound": round(float(bound), 1),
                     "training_errors": errors})
    results["novikoff"] = rows


# ----------------------------------------------------------------------------- Fashion-MNIST
def fashion_mlp(results, epochs):
    (x, y), (xt, yt) = load_fashion_mnist()
    x, xt = x.astype("float32") / 255.0, xt.astype("float32") / 255.0
    keras.utils.set_random_seed(0)
    # The benchmark's 256-128-100 MLP (zalandoresearch/fashion-mnist: 88.3%).
    model = build("mlp", hidden_units=(256, 128, 100), activation="relu", dropout=0.2, seed=0)
    start = time.time()
    history = model.fit(x, y, batch_size=128, epochs=epochs, verbose=2)
    _, accuracy = model.evaluate(xt, yt, batch_size=1024, verbose=0)
    results["fashion_mnist_mlp"] = {
        "hidden_units": [256, 128, 100], "activation": "relu", "dropout": 0.2,
        "optimizer": "Adam 1e-3, batch 128", "epochs": epochs,
        "train_accuracy_last_epoch": float(history.history["accuracy"][-1]),
        "test_accuracy": float(accuracy), "benchmark_test_accuracy": 0.883,
        "wall_seconds": round(time.time() - start, 1)}


class WindowedError(keras.callbacks.Callback):
    """Training error over the last `window` batches, from Keras's running epoch mean."""

    def __init__(self, batches_per_epoch, window=10):
        super().__init__()
        self.batches_per_epoch = batches_per_epoch
        self.window = window
        self.points = []  # (epochs elapsed, windowed training error)
        self._correct = []
        self._step = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._correct = []

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        # logs["accuracy"] is the mean since the epoch began: recover per-batch correctness.
        self._correct.append(float(logs["accuracy"]) * (batch + 1))
        if (batch + 1) % self.window == 0:
            c = self._correct
            hits = c[-1] - (c[-self.window - 1] if len(c) > self.window else 0.0)
            self.points.append((self._step / self.batches_per_epoch, 1.0 - hits / self.window))


def epochs_to(points, target):
    return next((e for e, err in points if err <= target), None)


def relu_vs_tanh(out_dir, results, search_epochs, long_epochs):
    """AlexNet Fig. 1: epochs to 25% training error, ReLU vs tanh, same network.

    Krizhevsky et al. chose each network's learning rate independently to make it train as
    fast as possible, with no regularisation; we do the same over a small grid (SGD, momentum
    0.9, batch 128), on a 4-hidden-layer 256-unit MLP with one shared initialisation.
    """
    (x, y), _ = load_fashion_mnist()
    x = x.astype("float32") / 255.0
    batches = int(np.ceil(len(x) / 128))
    curves, search = {}, {}
    for act in ("relu", "tanh"):
        best = None
        for lr in (0.003, 0.01, 0.03, 0.1):
            keras.utils.set_random_seed(0)
            model = build("mlp", hidden_units=(256, 256, 256, 256), activation=act,
                          initializer="glorot_uniform", seed=0)
            model.compile(optimizer=keras.optimizers.SGD(lr, momentum=0.9),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            tracker = WindowedError(batches)
            model.fit(x, y, batch_size=128, epochs=search_epochs, verbose=0,
                      callbacks=[tracker])
            reached = epochs_to(tracker.points, 0.25)
            search[f"{act} lr={lr}"] = reached
            if reached is not None and (best is None or reached < best[0]):
                best = (reached, lr, model, tracker)
        reached, lr, model, tracker = best
        # Keep the fastest run going to see the curves beyond the 25% mark.
        model.fit(x, y, batch_size=128, epochs=long_epochs, initial_epoch=search_epochs,
                  verbose=0, callbacks=[tracker])
        curves[act] = {"lr": lr, "points": tracker.points}
    targets = (0.25, 0.15, 0.12)
    summary = {}
    for target in targets:
        r, th = (epochs_to(curves[a]["points"], target) for a in ("relu", "tanh"))
        summary[f"{target:.0%}"] = {"relu_epochs": r, "tanh_epochs": th,
                                    "tanh_over_relu": (th / r) if r and th else None}
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for act, style in (("relu", "-"), ("tanh", "--")):
        e, err = zip(*curves[act]["points"])
        ax.plot(e, err, style, lw=1.2, label=f"{act} (SGD lr {curves[act]['lr']})")
    ax.axhline(0.25, color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("epochs")
    ax.set_ylabel("training error (last 10 batches)")
    ratio = summary["25%"]["tanh_over_relu"]
    ax.set_title("Fashion-MNIST, MLP 4×256: epochs to 25% training error, "
                 "tanh ÷ ReLU = " + (f"{ratio:.2f}" if ratio else "n/a")
                 + " (AlexNet Fig. 1: 6)", fontsize=9)
    ax.set_ylim(0, 0.9)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "relu_vs_tanh.png"), dpi=110)
    plt.close(fig)
    results["relu_vs_tanh"] = {"network": "MLP 784-256-256-256-256-10, glorot_uniform, SGD "
                               "momentum 0.9, batch 128, best lr per activation",
                               "lr_search_epochs_to_25pct": search,
                               "chosen_lr": {a: curves[a]["lr"] for a in curves},
                               "epochs_to_target": summary}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--mlp-epochs", type=int, default=30)
    parser.add_argument("--search-epochs", type=int, default=1)
    parser.add_argument("--long-epochs", type=int, default=4)
    parser.add_argument("--skip-fashion", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    results = {}
    started = time.time()
    keras.utils.set_random_seed(0)
    sets = toy_boundaries(args.output, results)
    xor_figure(args.output, results)
    embeddings_figure(args.output, sets, results)
    novikoff_table(results)
    print(json.dumps(results, indent=1), flush=True)
    if not args.skip_fashion:
        fashion_mlp(results, args.mlp_epochs)
        print(json.dumps(results["fashion_mnist_mlp"], indent=1), flush=True)
        relu_vs_tanh(args.output, results, args.search_epochs, args.long_epochs)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results["run"] = {"wall_seconds": round(time.time() - started, 1),
                      "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1)}
    with open(os.path.join(args.output, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
