"""Networks across scales (docs/multiscale.md): convolutional neural fabrics (`fabric`,
`fabric_segmentation`) with edge gates, pruning and a cost penalty; GridNet (`gridnet`) with
total dropout; MSDNet (`msdnet`) with one exit per block and anytime-prediction helpers."""

from kerasvision.models.multiscale.anytime_prediction import (  # noqa: F401
    EarlyExitPrediction, early_exit_predict, first_confident_exit, predict_exit)
from kerasvision.models.multiscale.fabric_budget import (  # noqa: F401
    edge_costs, expected_multiply_accumulates, gate_penalty)
from kerasvision.models.multiscale.fabric_pruning import PrunedFabric, prune  # noqa: F401

__all__ = ["EarlyExitPrediction", "PrunedFabric", "early_exit_predict", "edge_costs",
           "expected_multiply_accumulates", "first_confident_exit", "gate_penalty",
           "predict_exit", "prune"]
