"""Looking inside models: layer tables with receptive fields and MACs, and pictures.

Names load on first use, so `import kerasvision.inspect` stays cheap for the CLI. (Module
names differ from the function names on purpose: a submodule import would otherwise replace
the function attribute of the package.)
"""

import importlib

_EXPORTS = {
    "conv_output_size": "kerasvision.inspect.conv_arithmetic",
    "receptive_field": "kerasvision.inspect.layer_receptive_field",
    "ReceptiveField": "kerasvision.inspect.receptive_field_geometry",
    "FieldAxis": "kerasvision.inspect.receptive_field_geometry",
    "trace_model": "kerasvision.inspect.model_trace",
    "layer_table": "kerasvision.inspect.layer_summary",
    "format_layer_table": "kerasvision.inspect.layer_summary",
    "layer_macs": "kerasvision.inspect.multiply_accumulates",
    "load_model": "kerasvision.inspect.model_source",
    "top_patches": "kerasvision.inspect.maximal_patches",
    "plot_top_patches": "kerasvision.inspect.maximal_patches",
    "activation_maps": "kerasvision.inspect.feature_maps",
    "plot_activation_maps": "kerasvision.inspect.feature_maps",
    "first_layer_filters": "kerasvision.inspect.filter_images",
    "plot_first_layer_filters": "kerasvision.inspect.filter_images",
    "plot_receptive_field": "kerasvision.inspect.receptive_field_plot",
    "plot_history": "kerasvision.inspect.history_plot",
    "plot_confusion_matrix": "kerasvision.inspect.confusion_matrix_plot",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'kerasvision.inspect' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__():
    return __all__
