"""`import kerasvision.layers` registers the multi-scale networks' layers, so a saved fabric or
GridNet loads after that import alone, as `kerasvision.tasks.task.load_keras_model` and
`keras.saving.load_model` users do (a fabric saved by apps/multiscale would not load before)."""

import ast
from pathlib import Path

import kerasvision.layers

LAYERS_INIT = Path(kerasvision.layers.__file__)


def imported_names():
    tree = ast.parse(LAYERS_INIT.read_text())
    return {(node.module, alias.name) for node in tree.body
            if isinstance(node, ast.ImportFrom) for alias in node.names}


def test_edge_gate_and_total_dropout_are_imported_by_the_layers_package():
    names = imported_names()
    assert ("kerasvision.layers.edge_gate", "EdgeGate") in names
    assert ("kerasvision.layers.total_dropout", "TotalDropout") in names
