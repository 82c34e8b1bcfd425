"""Tiny real examples of the task contracts that no registered name exercises yet.

Each is a `ModelSpec` built directly (validated like a registration, but not in the public
registry), so that tests/test_contract.py runs the detection, segmentation and pipeline
contracts before the canon has a model of each kind.
"""

from kerasvision.registry import ModelSpec

from .sliding_window_detector import sliding_window_detector
from .tiny_detector import tiny_detector
from .tiny_segmenter import tiny_segmenter

EXAMPLE_SPECS = {spec.name: spec for spec in (
    ModelSpec(
        "example_tiny_detector", tiny_detector, task="detection",
        paper="Contract example: one-level, one-anchor detector (after Lin et al., RetinaNet)",
        # 3x3 convs 3->8->8->8 (224 + 584 + 584) and 1x1 heads 8->3 (27) and 8->4 (36).
        reference={"params": 1455, "source": "counted by hand"}),
    ModelSpec(
        "example_tiny_segmenter", tiny_segmenter, task="segmentation",
        paper="Contract example: two convolutions and bilinear upsampling",
        # 3x3 convs 3->8 (224) and 8->8 (584), 1x1 classifier 8->4 (36).
        reference={"params": 844, "source": "counted by hand"}),
    ModelSpec(
        "example_sliding_window_detector", sliding_window_detector, task="detection",
        kind="pipeline",
        paper="Contract example: sliding-window detection over a window classifier"),
)}
