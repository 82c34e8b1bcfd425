"""R-CNN (Girshick, Donahue, Darrell & Malik, "Rich feature hierarchies for accurate object
detection and semantic segmentation", CVPR 2014): regions with CNN features.

    detector = build("rcnn", num_classes=10)            # AlexNet features, selective search
    detector.fit(images, boxes, classes)                # the linear parts, on CNN features
    detections = detector.predict(images)               # the detection contract's dict

The pipeline, as in the paper's Figure 1 and §2:

1. about 2,000 region proposals per image, selective search's fast mode by default (§2.1;
   any function image -> (N, 4) boxes, or a name in proposal_methods.py);
2. each region dilated by 16 pixels of context and warped anisotropically to the CNN's square
   input (§2.1, Appendix A; region_warping.py);
3. a feature vector per region from a CNN (any registered classification network's last
   feature level, global-average-pooled by default, or "flatten" to keep its layout as the
   paper's pool5; or any Keras model from crops to vectors);
4. per-class scores from a linear classifier on the features (§2.2) and per-class box
   regression from the same features (Appendix C: ridge regression, lambda = 1000, on pairs of
   IoU >= 0.6);
5. greedy non-maximum suppression per class (IoU 0.3, the released code's threshold).

Differences from the paper, deliberately:

- The CNN is not fine-tuned here; `fit` trains the linear parts on its fixed features. The
  paper fine-tunes on warped regions first (§2.3) and reads fc7 (4096-d) for the classifier
  and pool5 for the regressors; here one feature vector serves both.
- One multinomial logistic regression over background and the classes replaces the paper's
  one-vs-rest linear SVMs (as Fast R-CNN's softmax did, Girshick 2015 §3.1), so scores are
  probabilities in [0, 1]. Its positives are the ground-truth boxes plus proposals of
  IoU >= 0.5 (the fine-tuning rule; `positive_iou=None` gives the SVMs' ground-truth-only
  positives), its negatives proposals of IoU < 0.3 (the SVMs' rule), sampled three negatives
  per positive (the fine-tuning mini-batches' 32:96, §2.3), then `hard_negative_rounds`
  rounds adding the negatives the classifier scores most as objects (the SVMs' hard negative
  mining, §2.3, in the spirit of Felzenszwalb et al. 2010).
- Proposals and warping run in numpy/TensorFlow eagerly: this is a pipeline object with
  `predict`, `save` and `load` (docs/architecture.md's "pipeline" kind), not one Keras graph.
"""

import json
import os
from pathlib import Path

import numpy as np

import keras
from keras import ops

from kerasvision.models.backbone import build_backbone, feature_strides
from kerasvision.models.detection.keras_cv_adapter import non_max_suppression
from kerasvision.models.detection.linear_fits import fit_ridge, fit_softmax_regression, softmax
from kerasvision.models.detection.proposal_methods import proposal_method
from kerasvision.models.detection.rcnn_samples import (
    PAPER_NEGATIVE_IOU,
    PAPER_POSITIVE_IOU,
    PAPER_REGRESSION_IOU,
    RCNN_BOX_CODER,
    classifier_labels,
    real_objects,
    regression_pairs,
)
from kerasvision.models.detection.region_warping import PAPER_CONTEXT_PADDING, warp_regions
from kerasvision.models.pipeline_directory import new_pipeline_directory
from kerasvision.registry import register_model

PAPER = ("Girshick, Donahue, Darrell & Malik, Rich feature hierarchies for accurate object "
         "detection and semantic segmentation, CVPR 2014")
SETTINGS_FILE = "rcnn.json"
FEATURES_FILE = "feature_extractor.keras"
LINEAR_FILE = "linear_parts.npz"

PAPER_INPUT_SIZE = 227  # AlexNet's warped region (§2.1)
PAPER_PROPOSALS = 2000  # "around 2000 region proposals" (§2.1)
PAPER_RIDGE_LAMBDA = 1000.0  # Appendix C
RELEASED_NMS_IOU = 0.3  # rcnn's released test code; the paper says "a learned threshold"
NEGATIVES_PER_POSITIVE = 3  # 32 positives and 96 background windows per mini-batch (§2.3)


class RCNN:
    """Region proposals, warped regions, CNN features, linear scores and box regression.

    Args:
        feature_extractor: keras.Model from (S, S, 3) warped regions to (D,) feature vectors.
        num_classes: object classes (no background class).
        proposals: a proposal method's name (proposal_methods.py), saved with the pipeline,
            or a function image -> (N, 4) xyxy boxes, best first (then `load` needs it again).
        max_proposals: at most this many proposals per image (the first ones).
        context_padding: pixels of context around each region at the warped size (Appendix
            A's 16; 0 warps the tight box).
        positive_iou, negative_iou: the classifier's labelling (module doc, rcnn_samples.py).
        regression_iou: least IoU of a box-regression pair (Appendix C).
        ridge_lambda: the regressors' ridge penalty on raw features (Appendix C's 1000).
        nms_iou: per-class NMS threshold.
        score_threshold: least class probability of a detection.
        max_detections: detections kept per image, best first.
        batch_size: warped regions per feature-extractor call.
        classifier: (weights (D, C + 1), bias (C + 1,)), background first; zeros by default.
        regressors: (weights (C, D, 4), bias (C, 4)) of the box deltas; zeros by default.
    """

    bounding_box_format = "xyxy"

    def __init__(self, feature_extractor, num_classes, proposals="selective_search_fast",
                 max_proposals=PAPER_PROPOSALS, context_padding=PAPER_CONTEXT_PADDING,
                 positive_iou=PAPER_POSITIVE_IOU, negative_iou=PAPER_NEGATIVE_IOU,
                 regression_iou=PAPER_REGRESSION_IOU, ridge_lambda=PAPER_RIDGE_LAMBDA,
                 nms_iou=RELEASED_NMS_IOU, score_threshold=0.05, max_detections=100,
                 batch_size=64, classifier=None, regressors=None):
        self.feature_extractor = feature_extractor
        self.num_classes = int(num_classes)
        self.input_size = int(feature_extractor.inputs[0].shape[1])
        self.feature_size = int(feature_extractor.outputs[0].shape[-1])
        if isinstance(proposals, str):
            self.proposal_name, self.propose_fn = proposals, proposal_method(proposals)
        elif callable(proposals):
            self.proposal_name, self.propose_fn = None, proposals
        else:
            raise TypeError(f"proposals must be a method name or a function, got {proposals!r}")
        self.max_proposals = int(max_proposals)
        self.context_padding = int(context_padding)
        if self.input_size - 2 * self.context_padding <= 0:
            raise ValueError(f"context_padding {context_padding} leaves no room for the region "
                             f"in {self.input_size} pixels")
        self.positive_iou = None if positive_iou is None else float(positive_iou)
        self.negative_iou = float(negative_iou)
        self.regression_iou = float(regression_iou)
        self.ridge_lambda = float(ridge_lambda)
        self.nms_iou = float(nms_iou)
        self.score_threshold = float(score_threshold)
        self.max_detections = int(max_detections)
        self.batch_size = int(batch_size)
        d, c = self.feature_size, self.num_classes
        if classifier is None:
            classifier = (np.zeros((d, c + 1)), np.zeros(c + 1))
        if regressors is None:
            regressors = (np.zeros((c, d, 4)), np.zeros((c, 4)))
        self.classifier = tuple(np.asarray(a, np.float32) for a in classifier)
        self.regressors = tuple(np.asarray(a, np.float32) for a in regressors)
        shapes = [a.shape for a in (*self.classifier, *self.regressors)]
        if shapes != [(d, c + 1), (c + 1,), (c, d, 4), (c, 4)]:
            raise ValueError(f"linear parts of shapes {shapes} do not fit {d} features and "
                             f"{c} classes")

    SETTINGS = ("max_proposals", "context_padding", "positive_iou", "negative_iou",
                "regression_iou", "ridge_lambda", "nms_iou", "score_threshold",
                "max_detections", "batch_size")

    @property
    def settings(self):
        """The constructor's settings (what `save` writes beside the weights)."""
        return {name: getattr(self, name) for name in self.SETTINGS}

    # The stages, for one image.

    def propose(self, image):
        """The first `max_proposals` proposals of `image`: (N, 4) float32 xyxy."""
        boxes = np.asarray(self.propose_fn(image), np.float32).reshape(-1, 4)
        return boxes[:self.max_proposals]

    def features(self, image, boxes):
        """CNN features (N, D) of the regions `boxes` of `image`, warped with context."""
        out = [np.zeros((0, self.feature_size), np.float32)]
        for start in range(0, len(boxes), self.batch_size):
            crops = warp_regions(image, boxes[start:start + self.batch_size], self.input_size,
                                 self.context_padding)
            # Every batch padded to batch_size: predict_on_batch's compiled function is
            # traced once, not once per remainder size (eager calls are ~10x slower).
            padded = np.zeros((self.batch_size, *crops.shape[1:]), np.float32)
            padded[:len(crops)] = crops
            features = self.feature_extractor.predict_on_batch(padded)
            out.append(np.asarray(features)[:len(crops)])
        return np.concatenate(out).astype(np.float32)

    def class_probabilities(self, features):
        """(N, C + 1) probabilities of background (column 0) and each class."""
        weights, bias = self.classifier
        return softmax(features @ weights + bias).astype(np.float32)

    def refine_boxes(self, features, boxes):
        """Each region's box as every class's regressor places it: (N, C, 4) xyxy."""
        weights, bias = self.regressors
        deltas = np.einsum("nd,cdk->nck", features, weights) + bias
        return ops.convert_to_numpy(RCNN_BOX_CODER.decode(deltas, boxes[:, None, :]))

    def detect(self, image):
        """One image's detections, best first: boxes (K, 4), confidences (K,), classes (K,)."""
        image = np.asarray(image, np.float32)
        height, width = image.shape[:2]
        proposals = self.propose(image)
        features = self.features(image, proposals)
        probabilities = self.class_probabilities(features)[:, 1:]
        refined = self.refine_boxes(features, proposals)
        refined = np.clip(refined, 0.0, [width, height, width, height]).astype(np.float32)
        found = [(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0))]
        for c in range(self.num_classes):
            kept = non_max_suppression(refined[:, c], probabilities[:, c],
                                       iou_threshold=self.nms_iou,
                                       max_output=self.max_detections,
                                       score_threshold=self.score_threshold)
            found.append((refined[kept, c], probabilities[kept, c], np.full(len(kept), c)))
        boxes, scores, classes = (np.concatenate(parts) for parts in zip(*found))
        order = np.argsort(-scores, kind="stable")[:self.max_detections]
        return boxes[order], scores[order], classes[order].astype(np.float32)

    def predict(self, images):
        """The detection dict (kerasvision.models.contracts.detection) of `images`, a
        (B, H, W, C) batch or a list of images: the first `num_detections[i]` rows of image
        i, best first, the rest -1."""
        rows = self.max_detections
        out = {"boxes": np.full((len(images), rows, 4), -1.0, np.float32),
               "confidence": np.full((len(images), rows), -1.0, np.float32),
               "classes": np.full((len(images), rows), -1.0, np.float32),
               "num_detections": np.zeros(len(images), np.int32)}
        for i, image in enumerate(images):
            boxes, scores, classes = self.detect(image)
            n = len(scores)
            out["boxes"][i, :n], out["confidence"][i, :n] = boxes, scores
            out["classes"][i, :n], out["num_detections"][i] = classes, n
        return out

    # Training the linear parts.

    def fit(self, images, boxes, classes, hard_negative_rounds=1,
            negatives_per_positive=NEGATIVES_PER_POSITIVE, classifier_steps=300, l2=1e-3,
            seed=0):
        """Train the classifier and the box regressors on the CNN's features of every
        training image's ground truth and proposals (module doc); the CNN stays fixed.

        Args:
            images: (B, H, W, C) or a list of images.
            boxes: per image (M, 4) xyxy ground truth, or a padded (B, M, 4) array whose
                padding rows are -1 (the detection contract's targets).
            classes: per image (M,) class ids in [0, num_classes), padding -1.
            hard_negative_rounds: retrainings, each adding the hardest unused negatives.
            negatives_per_positive: background regions sampled per object region.
            classifier_steps, l2: the logistic regression's optimisation (linear_fits.py).
            seed: the negatives' sampling.

        Returns:
            A dict of what was trained on: "positives", "negatives", "regression_pairs".
        """
        features, labels, pair_features, pair_targets, pair_classes = [], [], [], [], []
        for image, image_boxes, image_classes in zip(images, boxes, classes):
            image = np.asarray(image, np.float32)
            truth, truth_classes = real_objects(image_boxes, image_classes)
            proposals = self.propose(image)
            regions = np.concatenate([truth, proposals])
            region_features = self.features(image, regions)
            features.append(region_features)
            labels.append(classifier_labels(proposals, truth, truth_classes,
                                            self.positive_iou, self.negative_iou))
            chosen, targets, target_classes = regression_pairs(proposals, truth, truth_classes,
                                                               self.regression_iou)
            pair_features.append(region_features[len(truth) + chosen])
            pair_targets.append(targets)
            pair_classes.append(target_classes)
        features, labels = np.concatenate(features), np.concatenate(labels)
        used = self._fit_classifier(features, labels, hard_negative_rounds,
                                    negatives_per_positive, classifier_steps, l2,
                                    np.random.default_rng(seed))
        pairs = self._fit_regressors(np.concatenate(pair_features), np.concatenate(pair_targets),
                                     np.concatenate(pair_classes))
        return {**used, "regression_pairs": pairs}

    def _fit_classifier(self, features, labels, rounds, negatives_per_positive, steps, l2, rng):
        positives = np.flatnonzero(labels > 0)
        negatives = np.flatnonzero(labels == 0)
        budget = min(len(negatives), negatives_per_positive * max(len(positives), 1))
        chosen = rng.choice(negatives, size=budget, replace=False)
        for round_ in range(rounds + 1):
            if round_:
                # Hard negatives: the unused background regions scored most as objects.
                unused = np.setdiff1d(negatives, chosen)
                objectness = 1.0 - self.class_probabilities(features[unused])[:, 0]
                chosen = np.concatenate([chosen, unused[np.argsort(-objectness)[:budget]]])
            rows = np.concatenate([positives, chosen])
            self.classifier = fit_softmax_regression(features[rows], labels[rows],
                                                     self.num_classes + 1, l2=l2, steps=steps)
        return {"positives": int(len(positives)), "negatives": int(len(chosen))}

    def _fit_regressors(self, features, targets, classes):
        weights, bias = (np.array(a) for a in self.regressors)
        for c in range(self.num_classes):
            rows = classes == c
            if rows.any():  # a class with no pair keeps the identity (zero deltas)
                weights[c], bias[c] = fit_ridge(features[rows], targets[rows],
                                                self.ridge_lambda)
        self.regressors = (weights, bias)
        return int(len(classes))

    # Saving.

    def save(self, directory):
        """Write the pipeline to `directory`, which must not exist: the feature extractor
        (.keras), the linear parts (.npz) and the settings (JSON), all or nothing."""
        if self.proposal_name is None:
            raise ValueError("this R-CNN proposes with a function, which cannot be saved; use "
                             "a named proposal method (proposal_methods.py)")
        settings = {"num_classes": self.num_classes, "proposals": self.proposal_name,
                    **self.settings}
        with new_pipeline_directory(directory, "R-CNN") as partial:
            self.feature_extractor.save(os.path.join(partial, FEATURES_FILE))
            np.savez(os.path.join(partial, LINEAR_FILE), classifier_weights=self.classifier[0],
                     classifier_bias=self.classifier[1], regressor_weights=self.regressors[0],
                     regressor_bias=self.regressors[1])
            Path(partial, SETTINGS_FILE).write_text(json.dumps(settings, indent=1))

    @classmethod
    def load(cls, directory):
        """The R-CNN written by `save(directory)`; the feature extractor loads in safe mode."""
        directory = Path(directory)
        settings = json.loads((directory / SETTINGS_FILE).read_text())
        extractor = keras.saving.load_model(directory / FEATURES_FILE)
        with np.load(directory / LINEAR_FILE) as linear:
            classifier = (linear["classifier_weights"], linear["classifier_bias"])
            regressors = (linear["regressor_weights"], linear["regressor_bias"])
        return cls(extractor, classifier=classifier, regressors=regressors, **settings)


def rcnn_feature_extractor(backbone="alexnet", input_size=PAPER_INPUT_SIZE, pooling="avg",
                           **backbone_kwargs):
    """A registered classification network's last feature level as region features.

    Args:
        backbone: a registered classification name (build_backbone).
        input_size: side of the square warped regions.
        pooling: "avg" (global average pooling) or "flatten" (keep the layout, as pool5).
        **backbone_kwargs: further builder arguments (`width`, `depth`, `weights`, ...).
    """
    if pooling not in ("avg", "flatten"):
        raise ValueError(f"pooling must be 'avg' or 'flatten', got {pooling!r}")
    level = list(feature_strides(backbone))[-1]
    net = build_backbone(backbone, levels=[level], input_shape=(input_size, input_size, 3),
                         **backbone_kwargs)
    pool = (keras.layers.GlobalAveragePooling2D(name="region_pool") if pooling == "avg"
            else keras.layers.Flatten(name="region_flatten"))
    return keras.Model(net.input, pool(net.output[level]), name=f"rcnn_{backbone}_features")


@register_model(
    "rcnn", task="detection", kind="pipeline", paper=PAPER,
    # A CIFAR ResNet of depth 8 on 16-pixel regions, over sliding windows (no OpenCV).
    tiny={"num_classes": 2, "backbone": "resnet20", "backbone_kwargs": {"depth": 8},
          "input_size": 16, "context_padding": 2, "proposals": "sliding_windows",
          "max_proposals": 40, "max_detections": 10})
def rcnn(num_classes=20, backbone="alexnet", input_size=PAPER_INPUT_SIZE, pooling="avg",
         backbone_kwargs=None, feature_extractor=None, proposals="selective_search_fast",
         max_proposals=PAPER_PROPOSALS, context_padding=PAPER_CONTEXT_PADDING,
         max_detections=100, **settings):
    """R-CNN: selective search, warped regions, CNN features, linear scores and boxes.

    Args:
        num_classes: object classes (PASCAL VOC's 20 in the paper).
        backbone, input_size, pooling, backbone_kwargs: the feature extractor
            (`rcnn_feature_extractor`; AlexNet at 227 pixels as in the paper), unless
            `feature_extractor`, a keras.Model from (S, S, 3) regions to (D,) vectors, is
            given.
        proposals, max_proposals, context_padding, max_detections, **settings: RCNN's.
    """
    if feature_extractor is None:
        feature_extractor = rcnn_feature_extractor(backbone, input_size, pooling,
                                                   **(backbone_kwargs or {}))
    return RCNN(feature_extractor, num_classes, proposals=proposals,
                max_proposals=max_proposals, context_padding=context_padding,
                max_detections=max_detections, **settings)
