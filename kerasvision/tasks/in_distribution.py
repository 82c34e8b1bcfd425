"""Whether an image is like the ones a classifier was trained on: a score per prediction.

Two scores, both read from the network's penultimate features (the input of its last Dense
layer) with no new weights, so a shipped network gains them without retraining:

- `MahalanobisScore` (the shipped classifier's): Lee, Lee, Lee & Shin, "A Simple Unified
  Framework for Detecting Out-of-Distribution Samples and Adversarial Attacks", NeurIPS 2018,
  §2.1: class-conditional Gaussians with one shared covariance fitted to the training
  images' features; the score is M(x) = max_c -(f(x) - μ_c)ᵀ Σ⁻¹ (f(x) - μ_c) (their eq. 2),
  the penultimate layer only, without their input pre-processing or feature ensemble.
- `EnergyScore`: Liu, Wang, Owens & Li, "Energy-based Out-of-distribution Detection",
  NeurIPS 2020, §2–3: -E(x) = T · logsumexp(f(x) / T) of the logits (the last Dense layer's
  own kernel and bias applied to the tapped features), T = 1 as the paper uses it without
  fine-tuning (§4.2).

Higher means more like the training data. The threshold is set so that a chosen share of
in-distribution images passes (95 %: the papers' "TPR 95 %" operating point), on images that
are not the test set. The calibration is task metadata (a plain dict in the `.keras` file and
the export, like the class names). Measured on the shipped Fashion-MNIST classifier
(benchmarks/photo_inputs.py), the Mahalanobis score flags far more of the inputs it does not
know than the energy score, whose logits the training's label smoothing compresses.

    classifier.in_distribution = fit_mahalanobis(classifier.model, train_pixels, train_labels,
                                                 calibration_pixels, noun="garment")
"""

from abc import ABC, abstractmethod
from collections import namedtuple

import numpy as np

# A calibrated classifier's forward outputs: class probabilities (N, C) and the score (N,).
ScoredOutputs = namedtuple("ScoredOutputs", ["probabilities", "score"])

DEFAULT_PASS_RATE = 0.95
_SIGNIFICANT = 9  # digits that round-trip a float32 through the JSON metadata


def view_averaged_network(model):
    """The network inside a translation-averaging wrapper (tasks/translation_averaging.py),
    or None when `model` is not one."""
    from kerasvision.layers.translated_views import TranslatedViews
    from kerasvision.models.test_time_views import network_inside_views

    network = network_inside_views(model)
    if network is not None and any(isinstance(layer, TranslatedViews) for layer in model.layers):
        return network
    return None


def feature_taps(model):
    """keras.Model: pixels -> [class probabilities, penultimate features]. For a translation-
    averaging wrapper, both are averaged over its views, as its probabilities are."""
    import keras

    from kerasvision.layers.translated_views import TranslatedViews, ViewAverage

    network = view_averaged_network(model)
    features = penultimate_tensor(network if network is not None else model)
    if network is None:
        return keras.Model(model.inputs, [model.outputs[0], features],
                           name=f"{model.name}_scored")
    views = next(layer for layer in model.layers if isinstance(layer, TranslatedViews))
    inner = keras.Model(network.inputs, [network.outputs[0], features])
    pixels = keras.Input(model.inputs[0].shape[1:])
    probabilities, features = inner(views(pixels))
    count = len(views.shifts)
    return keras.Model(pixels, [ViewAverage(count)(probabilities), ViewAverage(count)(features)],
                       name=f"{model.name}_scored")


def penultimate_tensor(model):
    """The symbolic penultimate features of `model`: its last Dense layer's input, or for a
    multi-column network (models/multi_column.py) every column's, concatenated — the
    representation its averaged prediction rests on."""
    import keras

    from kerasvision.layers.column_average import ColumnAverage

    average = next((layer for layer in model.layers if isinstance(layer, ColumnAverage)), None)
    if average is None:
        return logits_head(model)[0].input
    heads = [column._keras_history.operation for column in average.input]
    return keras.layers.Concatenate(name="column_features")([head.input for head in heads])


def logits_head(model):
    """(the last Dense layer, whether it applies a softmax): where the logits are; inside a
    translation-averaging wrapper, its network's."""
    import keras

    network = view_averaged_network(model)
    model = network if network is not None else model
    head = next((layer for layer in reversed(model.layers)
                 if isinstance(layer, keras.layers.Dense)), None)
    if head is None:
        raise ValueError(f"model {model.name!r} has no Dense layer: no logits to score")
    name = getattr(head.activation, "__name__", "")
    if name not in ("softmax", "linear"):
        raise ValueError(f"model {model.name!r} ends in a {name} Dense layer; the "
                         "in-distribution score needs logits (a softmax or linear "
                         "classification layer)")
    return head, name == "softmax"


class ScoredModel:
    """A classifier's model that also returns an in-distribution score per image.

    `graph_call(pixels)` (graph ops, for the SavedModel) and `predict(pixels)` (numpy) return
    (class probabilities (N, C), score (N,)).
    """

    def __init__(self, model, score):
        self.model, self.score = model, score
        self.head, _ = logits_head(model)
        self.taps = feature_taps(model)
        self._traced = None

    def graph_call(self, pixels):
        import tensorflow as tf

        probabilities, features = self.taps(pixels, training=False)
        return probabilities, self.score.graph_score(tf.cast(features, tf.float32), self.head)

    def predict(self, pixels, batch_size=256):
        import tensorflow as tf

        if self._traced is None:
            spec = tf.TensorSpec((None, *self.model.inputs[0].shape[1:]), tf.float32)
            self._traced = tf.function(self.graph_call, input_signature=[spec])
        pixels = np.asarray(pixels, np.float32)
        parts = [self._traced(tf.constant(pixels[i:i + batch_size]))
                 for i in range(0, max(len(pixels), 1), batch_size)]
        return (np.concatenate([p.numpy() for p, _ in parts]),
                np.concatenate([s.numpy() for _, s in parts]))


class InDistributionScore(ABC):
    """A calibrated test: `score >= threshold` means like the training data.

    Args:
        threshold: the score below which an image is flagged.
        pass_rate: the share of the calibration images at or above the threshold.
        calibrated_on: which images set the threshold, in words (for the card and metadata).
        noun: what the classes are, for messages ("not like any garment the model knows").
    """

    method = None
    paper = None

    def __init__(self, threshold, pass_rate=DEFAULT_PASS_RATE, calibrated_on="", noun="class"):
        self.threshold = float(threshold)
        self.pass_rate = float(pass_rate)
        self.calibrated_on = str(calibrated_on)
        self.noun = str(noun)
        self._scored = None

    @abstractmethod
    def graph_score(self, features, head):
        """Scores (N,) from penultimate features (N, D) in graph ops (each score defines it)."""

    def get_config(self):
        return {"method": self.method, "paper": self.paper, "threshold": self.threshold,
                "pass_rate": self.pass_rate, "calibrated_on": self.calibrated_on,
                "noun": self.noun}

    def summary(self):
        """`get_config` without the fitted arrays (a Mahalanobis score's means and precision,
        which live in the model's metadata): the figures a metrics file records."""
        return {k: v for k, v in self.get_config().items() if k not in ("means", "precision")}

    def scored(self, model):
        """The `ScoredModel` of `model` (built once per model)."""
        if self._scored is None or self._scored.model is not model:
            self._scored = ScoredModel(model, self)
        return self._scored

    def scores(self, model, pixels, batch_size=256):
        """The score of each image (numpy (N,)) under `model` (float pixels 0–255)."""
        return self.scored(model).predict(pixels, batch_size)[1]

    def passes(self, scores):
        return np.asarray(scores) >= self.threshold

    def calibrate(self, model, pixels, pass_rate=DEFAULT_PASS_RATE, calibrated_on=""):
        """Set the threshold so that `pass_rate` of `pixels` pass; returns self.

        `pixels` must be in-distribution images that are not the test set (a validation split):
        images the network trained on score higher than new ones, so a threshold set on them
        flags more than 1 - `pass_rate` of new images.
        """
        scores = self.scores(model, pixels)
        if not len(scores):
            raise ValueError("no calibration images")
        # The largest threshold that still lets at least `pass_rate` through (ties pass).
        passing = max(int(np.ceil(pass_rate * len(scores) - 1e-9)), 1)
        self.threshold = float(np.sort(scores)[len(scores) - passing])
        self.pass_rate, self.calibrated_on = float(pass_rate), str(calibrated_on)
        return self


class EnergyScore(InDistributionScore):
    """-E(x) = T · logsumexp(logits / T) (Liu et al. NeurIPS 2020)."""

    method = "energy"
    paper = "Liu, Wang, Owens & Li, Energy-based Out-of-distribution Detection, NeurIPS 2020"

    def __init__(self, threshold=0.0, temperature=1.0, **kwargs):
        super().__init__(threshold, **kwargs)
        self.temperature = float(temperature)

    def graph_score(self, features, head):
        import tensorflow as tf

        if features.shape[-1] != head.kernel.shape[0]:
            raise ValueError("the energy score reads one logits layer, and this model's "
                             f"{features.shape[-1]} features feed several (a multi-column "
                             "network): use the Mahalanobis score")
        logits = tf.matmul(features, head.kernel) + head.bias
        t = self.temperature
        return t * tf.reduce_logsumexp(tf.cast(logits, tf.float32) / t, axis=-1)

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature}


class MahalanobisScore(InDistributionScore):
    """max_c -(f - μ_c)ᵀ Σ⁻¹ (f - μ_c) on penultimate features (Lee et al. NeurIPS 2018).

    Args:
        means: class means of the training features, (C, D).
        precision: the inverse of their shared (tied) covariance, (D, D).
    """

    method = "mahalanobis"
    paper = ("Lee, Lee, Lee & Shin, A Simple Unified Framework for Detecting "
             "Out-of-Distribution Samples and Adversarial Attacks, NeurIPS 2018")

    def __init__(self, means, precision, threshold=0.0, **kwargs):
        super().__init__(threshold, **kwargs)
        self.means = np.asarray(means, np.float32)
        self.precision = np.asarray(precision, np.float32)

    @classmethod
    def fit(cls, features, labels, **kwargs):
        """Class means and the tied covariance's (pseudo-)inverse from training features."""
        features = np.asarray(features, np.float64)
        labels = np.asarray(labels)
        classes = np.unique(labels)
        means = np.stack([features[labels == c].mean(0) for c in classes])
        centred = features - means[np.searchsorted(classes, labels)]
        covariance = centred.T @ centred / len(features)
        return cls(means, np.linalg.pinv(covariance, hermitian=True), **kwargs)

    def graph_score(self, features, head=None):
        import tensorflow as tf

        means = tf.constant(self.means)
        precision = tf.constant(self.precision)
        # (f - μ)ᵀ P (f - μ) = fᵀPf - 2 fᵀPμ + μᵀPμ, for every class at once.
        projected = tf.matmul(features, precision)
        squared = (tf.reduce_sum(projected * features, axis=-1, keepdims=True)
                   - 2.0 * tf.matmul(projected, means, transpose_b=True)
                   + tf.reduce_sum(tf.matmul(means, precision) * means, axis=-1)[None])
        return -tf.reduce_min(squared, axis=-1)

    def get_config(self):
        def rounded(array):
            return [[float(f"{v:.{_SIGNIFICANT}g}") for v in row] for row in array]

        return {**super().get_config(), "means": rounded(self.means),
                "precision": rounded(self.precision)}


SCORES = {cls.method: cls for cls in (EnergyScore, MahalanobisScore)}


def in_distribution_from_config(config):
    """The score a `get_config()` dict describes."""
    method = config.get("method")
    if method not in SCORES:
        raise ValueError(f"unknown in-distribution method {method!r} (have: "
                         f"{', '.join(SCORES)})")
    config = {k: v for k, v in config.items() if k not in ("method", "paper")}
    return SCORES[method](**config)


def energy_scores(model, pixels, temperature=1.0, batch_size=256):
    """-E(x) of each image (numpy (N,)) under `model` (float pixels 0–255 at its size)."""
    return EnergyScore(temperature=temperature).scores(model, pixels, batch_size)


def calibrate_energy(model, pixels, pass_rate=DEFAULT_PASS_RATE, temperature=1.0,
                     calibrated_on="", noun="class"):
    """An `EnergyScore` whose threshold lets `pass_rate` of `pixels` through."""
    return EnergyScore(temperature=temperature, noun=noun).calibrate(
        model, pixels, pass_rate, calibrated_on)


def penultimate_features(model, pixels, batch_size=256):
    """The input of the model's last Dense layer for each image, numpy (N, D) (averaged over
    the views of a translation-averaging wrapper)."""
    tap = feature_taps(model)
    return tap.predict(np.asarray(pixels, np.float32), batch_size=batch_size, verbose=0)[1]


def fit_mahalanobis(model, train_pixels, train_labels, calibration_pixels,
                    pass_rate=DEFAULT_PASS_RATE, calibrated_on="", noun="class"):
    """A `MahalanobisScore`: Gaussians fitted to the training images' features, threshold
    calibrated on `calibration_pixels` (not the test set) so that `pass_rate` pass."""
    score = MahalanobisScore.fit(penultimate_features(model, train_pixels), train_labels,
                                 noun=noun)
    return score.calibrate(model, calibration_pixels, pass_rate, calibrated_on)


__all__ = ["EnergyScore", "InDistributionScore", "MahalanobisScore", "ScoredModel",
           "ScoredOutputs", "calibrate_energy", "energy_scores", "fit_mahalanobis",
           "in_distribution_from_config", "logits_head", "penultimate_features"]
