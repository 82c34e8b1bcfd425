"""Whether an image is like the ones a classifier was trained on: the energy score.

Liu, Wang, Owens & Li, "Energy-based Out-of-distribution Detection", NeurIPS 2020, §2–3: the
free energy of a classifier's logits f(x), E(x) = -T · logsumexp(f(x) / T), is lower for
inputs like the training data than for others, and unlike the softmax's top score it is not
squashed to 1 for confident answers (their Figure 2). The score kept here is -E(x) (higher:
more in-distribution) with T = 1, which the paper uses without fine-tuning (§4.2), and the
threshold is set so that a chosen share of in-distribution images passes (95 %, the paper's
"TPR 95 %" operating point, §4.1), on validation images the network never trained on.

The score needs the logits, which a softmax output hides: `ScoredModel` taps the input of the
model's last Dense layer and applies that layer's own kernel and bias (no new weights), so a
shipped network gains the score without retraining. The calibration is task metadata (a
plain dict in the `.keras` file and the export, like the class names).

    calibration = calibrate_energy(classifier.model, validation_pixels)   # 95 % pass
    classifier.in_distribution = calibration
"""

from collections import namedtuple

import numpy as np

# A calibrated classifier's forward outputs: class probabilities (N, C) and the score (N,).
ScoredOutputs = namedtuple("ScoredOutputs", ["probabilities", "score"])

METHOD = "energy"
PAPER = ("Liu, Wang, Owens & Li, Energy-based Out-of-distribution Detection, NeurIPS 2020")
DEFAULT_PASS_RATE = 0.95


def logits_head(model):
    """(the last Dense layer, whether it applies a softmax): where the logits are."""
    import keras

    head = next((layer for layer in reversed(model.layers)
                 if isinstance(layer, keras.layers.Dense)), None)
    if head is None:
        raise ValueError(f"model {model.name!r} has no Dense layer: no logits to score")
    name = getattr(head.activation, "__name__", "")
    if name not in ("softmax", "linear"):
        raise ValueError(f"model {model.name!r} ends in a {name} Dense layer; the energy score "
                         "needs logits (a softmax or linear classification layer)")
    return head, name == "softmax"


class ScoredModel:
    """A classifier's model that also returns the energy score of each image.

    `graph_call(pixels)` (graph ops, for the SavedModel) and `predict(pixels)` (numpy) return
    (class probabilities (N, C), score (N,)).
    """

    def __init__(self, model, temperature=1.0):
        import keras

        self.model = model
        self.temperature = float(temperature)
        self.head, self.applies_softmax = logits_head(model)
        tap = self.head.input if self.applies_softmax else self.head.output
        self.taps = keras.Model(model.inputs, [model.outputs[0], tap],
                                name=f"{model.name}_scored")
        self._traced = None

    def graph_call(self, pixels):
        import tensorflow as tf

        probabilities, tapped = self.taps(pixels, training=False)
        logits = (tf.matmul(tapped, self.head.kernel) + self.head.bias
                  if self.applies_softmax else tapped)
        t = self.temperature
        return probabilities, t * tf.reduce_logsumexp(tf.cast(logits, tf.float32) / t, axis=-1)

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


class EnergyScore:
    """A calibrated in-distribution test: `score >= threshold` means like the training data.

    Args:
        threshold: the score below which an image is flagged.
        temperature: T of the energy (1: the paper's choice without fine-tuning).
        pass_rate: the share of the calibration images at or above the threshold.
        calibrated_on: which images set the threshold, in words (for the card and metadata).
        noun: what the classes are, for messages ("not like any garment the model knows").
    """

    def __init__(self, threshold, temperature=1.0, pass_rate=DEFAULT_PASS_RATE,
                 calibrated_on="", noun="class"):
        self.threshold = float(threshold)
        self.temperature = float(temperature)
        self.pass_rate = float(pass_rate)
        self.calibrated_on = str(calibrated_on)
        self.noun = str(noun)
        self._scored = None

    def get_config(self):
        return {"method": METHOD, "paper": PAPER, "threshold": self.threshold,
                "temperature": self.temperature, "pass_rate": self.pass_rate,
                "calibrated_on": self.calibrated_on, "noun": self.noun}

    @classmethod
    def from_config(cls, config):
        if config.get("method") != METHOD:
            raise ValueError(f"unknown in-distribution method {config.get('method')!r}")
        keys = ("threshold", "temperature", "pass_rate", "calibrated_on", "noun")
        return cls(**{k: config[k] for k in keys if k in config})

    def scored(self, model):
        """The `ScoredModel` of `model` (built once per model)."""
        if self._scored is None or self._scored.model is not model:
            self._scored = ScoredModel(model, self.temperature)
        return self._scored

    def passes(self, scores):
        return np.asarray(scores) >= self.threshold


def energy_scores(model, pixels, temperature=1.0, batch_size=256):
    """-E(x) of each image (numpy (N,)) under `model` (float pixels 0–255 at its size)."""
    return ScoredModel(model, temperature).predict(pixels, batch_size)[1]


def calibrate_energy(model, pixels, pass_rate=DEFAULT_PASS_RATE, temperature=1.0,
                     calibrated_on="", noun="class", batch_size=256):
    """An `EnergyScore` whose threshold lets `pass_rate` of `pixels` through.

    `pixels` must be in-distribution images the network did not train on (a validation split,
    never the test set): on its own training images a network is more confident than on new
    ones, and the threshold would then flag more than 1 - `pass_rate` of new images.
    """
    scores = energy_scores(model, pixels, temperature, batch_size)
    if not len(scores):
        raise ValueError("no calibration images")
    # The largest threshold that still lets at least `pass_rate` of them through (ties pass).
    passing = int(np.ceil(pass_rate * len(scores) - 1e-9))
    threshold = float(np.sort(scores)[len(scores) - max(passing, 1)])
    return EnergyScore(threshold, temperature, pass_rate, calibrated_on, noun)


__all__ = ["EnergyScore", "ScoredModel", "ScoredOutputs", "calibrate_energy", "energy_scores",
           "logits_head"]
