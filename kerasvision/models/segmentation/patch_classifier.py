"""Patch-wise segmentation: every pixel classified from the patch centred on it.

The naive baseline that fully convolutional networks replaced: a classification CNN is given
the square window around a pixel and its class scores become that pixel's (Ciresan, Giusti,
Gambardella & Schmidhuber, Deep Neural Networks Segment Neuronal Membranes in Electron
Microscopy Images, NIPS 2012: "The label of each pixel ... is predicted from raw pixel values
in a square window centered on it"). It is wasteful by construction: neighbouring patches
overlap in all but one row or column, yet each is convolved from scratch, so an H x W image
costs H * W classifier runs. Ronneberger, Fischer & Brox (U-Net, MICCAI 2015, §1) name the two
drawbacks, the run per patch and the redundancy of overlapping patches; Long, Shelhamer &
Darrell (Fully Convolutional Networks for Semantic Segmentation, CVPR 2015, §3.1, §3.4) show
that the same classifier made convolutional (`kerasvision.models.detection.dense_to_conv`)
scores every position in one pass, and that patch-wise training is loss sampling over a whole
image. benchmarks/patch_vs_fcn.py measures the difference (benchmarks/RESULTS.md).

Choices (docs/segmentation.md, "Patch classifier: the naive baseline"):

- Geometry. A patch of `ph` x `pw` pixels (the classifier's input size) centred on pixel
  (y, x) spans rows y - ph // 2 .. y - ph // 2 + ph - 1 and the columns likewise: the pixel
  sits at (ph // 2, pw // 2) of its patch, the lower-right of the four central pixels of an
  even-sized patch.
- Borders. The image is padded by ph // 2 rows above and ph - 1 - ph // 2 below (columns
  likewise) so that every pixel has a whole patch. `padding="reflect"` (the default) mirrors
  the image about its edge pixels, as U-Net extrapolates missing context by mirroring (Fig. 2):
  a border patch then looks like image, not like a frame of constant colour no interior patch
  has; `"constant"` pads with `pad_value`; `"symmetric"` and `"edge"` are numpy's other modes.
  Training patches are cut from the same padded images, so the classifier sees the padding it
  is tested on.
- Stride. With `stride` s > 1 only the pixels at rows min(k s + s // 2, H - 1) (columns
  likewise), one per s x s block, are classified, and every pixel of a block takes its
  block's scores: nearest-neighbour up-sampling of the labels, s^2 times fewer classifier runs
  and blocky boundaries.
- Scores are the classifier's outputs as they are (probabilities for a softmax classifier), or
  softmaxed when `from_logits`. Patches are handed over as they are in the image: a kerasvision
  ImageClassifier's model takes 0-255 pixels, a bare registered network whatever it was
  trained on.
"""

import json
from pathlib import Path

import numpy as np

import keras

from kerasvision.models.contracts.output_activation import sparse_cross_entropy
from kerasvision.models.pipeline_classifier import classifier_model
from kerasvision.models.pipeline_directory import new_pipeline_directory
from kerasvision.registry import register_model

PAPER = ("Ciresan, Giusti, Gambardella & Schmidhuber, Deep Neural Networks Segment Neuronal "
         "Membranes in Electron Microscopy Images, NIPS 2012")
SETTINGS_FILE = "patch_classifier.json"
CLASSIFIER_FILE = "classifier.keras"
PADDING_MODES = ("reflect", "symmetric", "edge", "constant")


def patch_padding(patch_shape):
    """((top, bottom), (left, right)) padding giving every pixel a patch centred on it."""
    return tuple((side // 2, side - 1 - side // 2) for side in patch_shape)


def sampled_positions(length, stride):
    """The pixels classified along an axis of `length`: min(k stride + stride // 2, length - 1)
    for each block k of `stride` pixels (every pixel when stride is 1)."""
    return np.minimum(np.arange(0, length, stride) + stride // 2, length - 1)


def pad_image(image, patch_shape, padding="reflect", pad_value=0.0):
    """`image` (H, W, C) padded so that `extract_patches` finds a patch around every pixel."""
    if padding not in PADDING_MODES:
        raise ValueError(f"padding must be one of {PADDING_MODES}, got {padding!r}")
    widths = (*patch_padding(patch_shape), (0, 0))
    if padding == "constant":
        return np.pad(image, widths, mode="constant", constant_values=pad_value)
    return np.pad(image, widths, mode=padding)


def extract_patches(padded, ys, xs, patch_shape):
    """The patches (N, ph, pw, C) centred on pixels (ys[n], xs[n]) of the image that `pad_image`
    padded into `padded`: pixel (y, x)'s patch starts at row y, column x of `padded`."""
    windows = np.lib.stride_tricks.sliding_window_view(padded, patch_shape, axis=(0, 1))
    # sliding_window_view puts the window axes last: (H, W, C, ph, pw) -> (N, ph, pw, C).
    return np.ascontiguousarray(windows[ys, xs].transpose(0, 2, 3, 1), dtype="float32")


class PatchClassifierSegmenter:
    """Per-pixel class scores from a classifier run on the patch centred on each pixel.

    Args:
        classifier: a keras.Model from `(ph, pw, C)` patches to class scores `(K,)`
            (probabilities, or logits with `from_logits`), or an object holding one as
            `.model` (a kerasvision ImageClassifier). Its input size is the patch size.
        stride: classify every `stride`-th pixel and up-sample the scores by nearest neighbour
            (module doc); 1 classifies every pixel.
        padding: how the border is extended: "reflect" (default), "symmetric", "edge" or
            "constant" (module doc).
        pad_value: the constant of `padding="constant"`.
        batch_size: patches per classifier call.
        from_logits: apply a softmax to the classifier's outputs.
    """

    def __init__(self, classifier, stride=1, padding="reflect", pad_value=0.0, batch_size=1024,
                 from_logits=False):
        self.classifier = classifier_model(classifier)
        self.patch_shape = tuple(int(d) for d in self.classifier.inputs[0].shape[1:3])
        self.channels = int(self.classifier.inputs[0].shape[-1])
        self.num_classes = int(self.classifier.outputs[0].shape[-1])
        if int(stride) < 1:
            raise ValueError(f"stride must be at least 1, got {stride}")
        if padding not in PADDING_MODES:
            raise ValueError(f"padding must be one of {PADDING_MODES}, got {padding!r}")
        self.stride = int(stride)
        self.padding = padding
        self.pad_value = float(pad_value)
        self.batch_size = int(batch_size)
        self.from_logits = bool(from_logits)

    def settings(self):
        """Everything but the classifier, as JSON-ready values."""
        return {"stride": self.stride, "padding": self.padding, "pad_value": self.pad_value,
                "batch_size": self.batch_size, "from_logits": self.from_logits}

    def _padded(self, image):
        image = np.asarray(image, "float32")
        if image.ndim != 3 or image.shape[-1] != self.channels:
            raise ValueError(f"an image (H, W, {self.channels}) is needed, got {image.shape}")
        return pad_image(image, self.patch_shape, self.padding, self.pad_value)

    def classify_pixels(self, image, ys, xs):
        """Class scores (N, K) float32 of pixels (ys[n], xs[n]) of one image (H, W, C)."""
        padded = self._padded(image)
        scores = np.empty((len(ys), self.num_classes), "float32")
        for start in range(0, len(ys), self.batch_size):
            part = slice(start, start + self.batch_size)
            patches = extract_patches(padded, ys[part], xs[part], self.patch_shape)
            scores[part] = np.asarray(self.classifier.predict_on_batch(patches))
        if self.from_logits:
            scores = np.asarray(keras.ops.softmax(scores, axis=-1), "float32")
        return scores

    def segment(self, image):
        """Per-pixel class scores (H, W, K) float32 of one image (H, W, C)."""
        height, width = np.shape(image)[:2]
        rows, cols = sampled_positions(height, self.stride), sampled_positions(width,
                                                                               self.stride)
        ys, xs = (a.ravel() for a in np.meshgrid(rows, cols, indexing="ij"))
        grid = self.classify_pixels(image, ys, xs).reshape(len(rows), len(cols), -1)
        # Nearest up-sampling: pixel (y, x) lies in block (y // s, x // s).
        return grid[np.arange(height) // self.stride][:, np.arange(width) // self.stride]

    def predict(self, images):
        """Per-pixel class scores (B, H, W, K) float32 of images (B, H, W, C), the
        segmentation contract's output at input resolution."""
        images = np.asarray(images, "float32")
        out = np.empty((*images.shape[:3], self.num_classes), "float32")
        for i, image in enumerate(images):
            out[i] = self.segment(image)
        return out

    # Training.

    def training_patches(self, images, masks, patches_per_image=256, balanced=True, seed=0):
        """(patches (N, ph, pw, C), labels (N,)): pixels sampled from each image with their
        mask labels, their patches cut from the padded image.

        Pixels labelled outside [0, K) (VOC's 255 "void") are never sampled. With `balanced`,
        each class present in an image gets an equal share of its `patches_per_image` (drawn
        with replacement where a class has fewer pixels), so that a small region is not drowned
        by the background; otherwise pixels are drawn uniformly without replacement.
        """
        rng = np.random.default_rng(seed)
        all_patches, all_labels = [], []
        for image, mask in zip(images, masks):
            mask = np.asarray(mask)
            if mask.shape != np.shape(image)[:2]:
                raise ValueError(f"mask {mask.shape} does not match image {np.shape(image)}")
            valid = np.flatnonzero((mask >= 0) & (mask < self.num_classes))
            labels = mask.ravel()[valid]
            if balanced:
                present = np.unique(labels)
                share = max(1, patches_per_image // max(1, len(present)))
                chosen = np.concatenate([
                    rng.choice(valid[labels == c], share, replace=(labels == c).sum() < share)
                    for c in present]) if len(present) else valid
            else:
                chosen = rng.choice(valid, min(patches_per_image, len(valid)), replace=False)
            ys, xs = np.unravel_index(chosen, mask.shape)
            all_patches.append(extract_patches(self._padded(image), ys, xs, self.patch_shape))
            all_labels.append(mask[ys, xs].astype("int32"))
        return np.concatenate(all_patches), np.concatenate(all_labels)

    def fit(self, images, masks, patches_per_image=256, balanced=True, seed=0, epochs=1,
            batch_size=64, **fit_kwargs):
        """Train the classifier on patches of `images` (B, H, W, C) labelled by their centre
        pixel in `masks` (B, H, W) (`training_patches`).

        Compiles with Adam (learning rate 1e-3) and sparse cross-entropy (from logits unless
        the classifier ends in a softmax) if the classifier is not compiled. Returns Keras's
        History.
        """
        patches, labels = self.training_patches(images, masks, patches_per_image, balanced,
                                                seed)
        if not self.classifier.compiled:
            self.classifier.compile(optimizer=keras.optimizers.Adam(1e-3),
                                    loss=sparse_cross_entropy(self.classifier.outputs[0]))
        fit_kwargs.setdefault("verbose", 0)
        return self.classifier.fit(patches, labels, epochs=epochs, batch_size=batch_size,
                                   **fit_kwargs)

    # Saving.

    def save(self, directory):
        """Write the classifier (`.keras`) and the settings (JSON) to `directory`, which must
        not exist, all or nothing."""
        with new_pipeline_directory(directory, "the patch classifier") as partial:
            self.classifier.save(Path(partial, CLASSIFIER_FILE))
            Path(partial, SETTINGS_FILE).write_text(json.dumps(self.settings(), indent=1))

    @classmethod
    def load(cls, directory):
        """The segmenter written by `save(directory)`; the classifier loads in safe mode."""
        import kerasvision.layers  # noqa: F401  (registers the package's layers for loading)

        directory = Path(directory)
        classifier = keras.saving.load_model(directory / CLASSIFIER_FILE)
        return cls(classifier, **json.loads((directory / SETTINGS_FILE).read_text()))


@register_model(
    "patch_classifier", task="segmentation", kind="pipeline", paper=PAPER,
    # A modern LeNet-5 on 32 x 32 patches over three classes; stride 4 on the contract's
    # 48 x 48 scene: 144 patches an image instead of 2,304, the same code path.
    tiny={"num_classes": 3, "classifier": "lenet5", "stride": 4, "batch_size": 256})
def patch_classifier(num_classes=21, patch_size=32, channels=3, classifier="lenet5",
                     classifier_options=None, stride=1, padding="reflect", pad_value=0.0,
                     batch_size=1024, from_logits=False):
    """Patch-wise segmentation: a classification CNN on the patch centred on every pixel.

    Args:
        num_classes, patch_size, channels: the classes and the square patch of a classifier
            built from a registered name (its `classes` and `input_shape`); a given model
            brings its own.
        classifier: a registered classification name, or a keras.Model / ImageClassifier.
        classifier_options: further builder arguments of a registered name (default for
            lenet5: `modern=True`, ReLU, max pooling and a softmax classifier).
        Others: see PatchClassifierSegmenter.
    """
    if isinstance(classifier, str):
        if classifier_options is None:
            classifier_options = {"modern": True} if classifier == "lenet5" else {}
        classifier = classifier_model(classifier, {
            "input_shape": (patch_size, patch_size, channels), "classes": num_classes,
            **classifier_options})
    return PatchClassifierSegmenter(classifier, stride, padding, pad_value, batch_size,
                                    from_logits)
