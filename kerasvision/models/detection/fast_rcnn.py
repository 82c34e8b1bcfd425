"""Fast R-CNN (Girshick, "Fast R-CNN", ICCV 2015) on VGG16, with external region proposals.

The network (§2, Fig. 1) takes an image and a set of object proposals: VGG16's convolutions
through conv5_3 (stride 16) run once per image, each proposal is RoI-pooled (7×7) from that
map, and fc6, fc7 and the two sibling outputs (fast_rcnn_head.py) classify and refine it.
The proposals come from outside the network: selective search "fast" mode, about 2,000 per
image (§4; the named methods of proposal_methods.py, or any function).

Why a pipeline (registered kind "pipeline") and not a model with a dict input: a user of Fast
R-CNN has images, not proposals, and the proposal step is a CPU algorithm (OpenCV) that no
graph can hold. `FastRCNN` is therefore what the paper describes, proposals then network:
`predict(images)` computes each image's proposals (selective search by default, a named method
or any callable) and runs the network on them, and `fit(images, targets)` does the same before
training. The trainable part is `FastRCNNDetector`, a keras.Model whose inputs are
`[images (B, H, W, 3), rois (B, R, 4)]`, the proposals padded to a fixed R with -1 rows, so
that it exports to a SavedModel with two inputs; it follows the detection contract's
conventions otherwise (own loss, so `compile(optimizer)` suffices; the detection dict at
inference). The detection contract itself feeds a model images alone, so a dict input would
need a second contract; the pipeline contract (predict, save, load) fits as it is.
"""

import json
from pathlib import Path

import numpy as np

import keras

from kerasvision.layers.imagenet_preprocessing import ImageNetPreprocessing
from kerasvision.models.backbone import build_backbone
from kerasvision.models.detection.fast_rcnn_head import (
    FastRCNNHead,
    fast_rcnn_detections,
    fast_rcnn_loss,
    sample_rois,
)
from kerasvision.models.detection.feature_extractor_model import FeatureExtractorModel
from kerasvision.models.detection.proposal_methods import proposal_method
from kerasvision.registry import register_model

PAPER = "Girshick, Fast R-CNN, ICCV 2015"
SETTINGS_FILE = "fast_rcnn.json"
DETECTOR_FILE = "detector.keras"


def vgg16_conv5_features(image_shape, width=1.0, weights=None):
    """Pixels (0–255 RGB) -> VGG16's conv5_3 map (stride 16), the Caffe preprocessing inside;
    the shared convolutional layers of Fast and Faster R-CNN."""
    inputs = keras.Input(tuple(image_shape), name="image")
    x = ImageNetPreprocessing("caffe", name="caffe_preprocessing")(inputs)
    vgg = build_backbone("vgg16", levels=["conv5_3"], input_tensor=x, width=width,
                         weights=weights)
    return keras.Model(inputs, vgg.outputs[0], name="vgg16_conv5")


@keras.saving.register_keras_serializable(package="kerasvision")
class FastRCNNDetector(FeatureExtractorModel):
    """The Fast R-CNN network: `[images, rois]` -> detections (module doc).

    Args:
        feature_extractor: a functional keras.Model from pixels (fixed H×W×C) to the shared
            feature map.
        num_classes: object classes (the head adds background, index 0).
        num_rois: R, the proposals per image the model takes (-1 rows pad); 2000 in the paper.
        feature_stride: the feature map's stride (16 for conv5_3).
        roi_layer, pool_size, fc_units, dropout: the head's ("pool", 7, 4096, 0.5).
        rois_per_image, foreground_fraction, foreground_iou, background_iou: the training
            sample (64, 25%, ≥ 0.5, [0.1, 0.5): §2.3, 128 RoIs from 2 images).
        max_detections, iou_threshold, score_threshold: the detections (100, 0.3, 0.05).
        seed: seed of the RoI sampling.
    """

    bounding_box_format = "xyxy"

    def __init__(self, feature_extractor, num_classes, num_rois=2000, feature_stride=16,
                 roi_layer="pool", pool_size=7, fc_units=4096, dropout=0.5, rois_per_image=64,
                 foreground_fraction=0.25, foreground_iou=0.5, background_iou=(0.1, 0.5),
                 max_detections=100, iou_threshold=0.3, score_threshold=0.05, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.feature_extractor = feature_extractor
        self.image_shape = tuple(int(d) for d in feature_extractor.input_shape[1:])
        self.num_classes = int(num_classes)
        self.num_rois = int(num_rois)
        self.feature_stride = int(feature_stride)
        self.rois_per_image = int(rois_per_image)
        self.foreground_fraction = float(foreground_fraction)
        self.foreground_iou = float(foreground_iou)
        self.background_iou = [float(b) for b in background_iou]
        self.max_detections = int(max_detections)
        self.iou_threshold = float(iou_threshold)
        self.score_threshold = float(score_threshold)
        self.seed = seed
        self.detection_head = FastRCNNHead(self.num_classes, pool_size, 1.0 / self.feature_stride,
                                           fc_units, dropout, roi_layer, name="fast_rcnn")
        self.seed_generator = keras.random.SeedGenerator(seed)
        # Keras exports a subclassed model from the shapes of its first call: call it once.
        self([np.zeros((1, *self.image_shape), "float32"),
              np.full((1, self.num_rois, 4), -1.0, "float32")])

    def call(self, inputs, training=None):
        images, rois = inputs
        features = self.feature_extractor(images, training=bool(training))
        if training:
            # The RoI sample depends on the targets: compute_loss runs the head.
            return {"features": features, "rois": rois}
        logits, deltas = self.detection_head([features, rois], training=False)
        return fast_rcnn_detections(rois, logits, deltas, self.image_shape, self.max_detections,
                                    self.iou_threshold, self.score_threshold)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Eq. 1 on a RoI sample of `x[1]` and the ground truth `y = {"boxes", "classes"}`.

        Given decoded detections (as in `evaluate`) the features are recomputed from `x`.
        `sample_weight` is not supported.
        """
        if y_pred is None or "features" not in y_pred:
            y_pred = {"features": self.feature_extractor(x[0]), "rois": x[1]}
        rois, class_targets, box_targets = sample_rois(
            y_pred["rois"], y["boxes"], y["classes"], self.rois_per_image,
            self.foreground_fraction, self.foreground_iou, self.background_iou,
            self.seed_generator)
        logits, deltas = self.detection_head([y_pred["features"], rois], training=training)
        loss = fast_rcnn_loss(class_targets, box_targets, logits, deltas)
        return loss + sum(self.losses) if self.losses else loss

    def get_config(self):
        head = self.detection_head
        return {"name": self.name, "trainable": self.trainable,
                "feature_extractor": keras.saving.serialize_keras_object(self.feature_extractor),
                "num_classes": self.num_classes, "num_rois": self.num_rois,
                "feature_stride": self.feature_stride, "roi_layer": head.roi_layer,
                "pool_size": head.pool_size, "fc_units": head.fc_units, "dropout": head.dropout,
                "rois_per_image": self.rois_per_image,
                "foreground_fraction": self.foreground_fraction,
                "foreground_iou": self.foreground_iou, "background_iou": self.background_iou,
                "max_detections": self.max_detections, "iou_threshold": self.iou_threshold,
                "score_threshold": self.score_threshold, "seed": self.seed}


def pad_proposals(boxes, num_rois):
    """(num_rois, 4) float32: the first `num_rois` of `boxes`, then -1 rows."""
    boxes = np.asarray(boxes, "float32").reshape(-1, 4)[:num_rois]
    out = np.full((num_rois, 4), -1.0, "float32")
    out[:len(boxes)] = boxes
    return out


class FastRCNN:
    """Proposals, then the Fast R-CNN network (module doc): the pipeline `fast_rcnn`.

    Args:
        detector: a `FastRCNNDetector`.
        proposals: a name in proposal_methods.PROPOSAL_METHODS ("selective_search_fast", the
            paper's) or a callable `(image) -> (N, 4)` xyxy boxes, best first (a callable is
            not saved by name: `load` then needs it again). The first R boxes are used.
        proposal_options: keyword arguments of the named method.
        batch_size: images per network call in `predict`.
    """

    bounding_box_format = "xyxy"

    def __init__(self, detector, proposals="selective_search_fast", proposal_options=None,
                 batch_size=8):
        if not callable(proposals):
            proposal_method(proposals)  # an unknown name fails here, not at predict
        self.detector = detector
        self.proposals = proposals
        self.proposal_options = dict(proposal_options or {})
        self.batch_size = int(batch_size)

    @property
    def num_classes(self):
        return self.detector.num_classes

    @property
    def num_rois(self):
        return self.detector.num_rois

    def propose(self, images):
        """(B, R, 4) xyxy proposals of `images`, padded with -1 rows to the detector's R."""
        rois = []
        for image in np.asarray(images, "float32"):
            if callable(self.proposals):
                boxes = self.proposals(image)
            else:
                boxes = proposal_method(self.proposals)(image, **self.proposal_options)
            rois.append(pad_proposals(boxes, self.num_rois))
        return np.stack(rois)

    def _inputs(self, images, rois):
        images = np.asarray(images, "float32")
        if images.shape[1:] != self.detector.image_shape:
            raise ValueError(f"images of shape {images.shape[1:]}, the detector takes "
                             f"{self.detector.image_shape}; resize or letterbox them first")
        rois = self.propose(images) if rois is None else np.asarray(rois, "float32")
        return images, rois

    def predict(self, images, rois=None):
        """The detection dict (kerasvision/models/contracts/detection.py) of `images`
        (B, H, W, 3), pixels 0–255; `rois` (B, R, 4) replace the computed proposals."""
        images, rois = self._inputs(images, rois)
        parts = [self.detector([images[i:i + self.batch_size], rois[i:i + self.batch_size]],
                               training=False)
                 for i in range(0, len(images), self.batch_size)]
        return {key: np.concatenate([np.asarray(part[key]) for part in parts])
                for key in parts[0]}

    def fit(self, images, targets, rois=None, **fit_kwargs):
        """Train the network on `images` and `targets = {"boxes", "classes"}` (-1 padded)
        with their proposals (computed once, or given as `rois`); compiles with the paper's
        SGD (learning rate 0.001, momentum 0.9; §2.3 "SGD hyper-parameters") if needed."""
        images, rois = self._inputs(images, rois)
        if not self.detector.compiled:
            self.detector.compile(optimizer=keras.optimizers.SGD(0.001, momentum=0.9))
        return self.detector.fit([images, rois], targets, **fit_kwargs)

    def save(self, directory):
        """Write the network (`.keras`) and the proposal settings (JSON) to `directory`."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.detector.save(directory / DETECTOR_FILE)
        settings = {"proposals": None if callable(self.proposals) else self.proposals,
                    "proposal_options": self.proposal_options, "batch_size": self.batch_size}
        (directory / SETTINGS_FILE).write_text(json.dumps(settings))

    @classmethod
    def load(cls, directory, proposals=None):
        """The pipeline written by `save(directory)` (the network loads in safe mode);
        `proposals` is needed where a callable was saved, and otherwise overrides the saved
        method."""
        directory = Path(directory)
        settings = json.loads((directory / SETTINGS_FILE).read_text())
        if proposals is None and settings["proposals"] is None:
            raise ValueError(f"{directory} was saved with a proposal callable; pass "
                             "proposals= to load it")
        detector = keras.saving.load_model(directory / DETECTOR_FILE)
        return cls(detector, proposals or settings["proposals"], settings["proposal_options"],
                   settings["batch_size"])


@register_model("fast_rcnn", task="detection", kind="pipeline", paper=PAPER,
                # The paper gives no parameter count. Ours, for VOC (20 classes): VGG16's
                # convolutions 14,714,688 + fc6 102,764,544 + fc7 16,781,312 + cls_score
                # 86,037 + bbox_pred (4·20) 327,760.
                reference={"measured": "134,674,341 network parameters for 20 classes "
                                       "(VGG16)",
                           "source": "counted here from the layers of §2"},
                tiny={"num_classes": 3, "width": 1 / 16, "image_shape": (48, 48, 3),
                      "num_rois": 16, "fc_units": 16, "dropout": 0.0, "rois_per_image": 8,
                      "max_detections": 10, "proposals": "sliding_windows"})
def fast_rcnn(num_classes=20, image_shape=(600, 1000, 3), width=1.0, weights=None,
              proposals="selective_search_fast", proposal_options=None, **kwargs):
    """Fast R-CNN with VGG16: external proposals, RoI pooling on conv5_3, fc6/fc7 and the two
    sibling outputs."""
    features = vgg16_conv5_features(image_shape, width, weights)
    detector = FastRCNNDetector(features, num_classes, name="fast_rcnn", **kwargs)
    return FastRCNN(detector, proposals, proposal_options)
