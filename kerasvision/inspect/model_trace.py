"""Walk a Keras model's layer graph in topological order, carrying receptive fields.

Works on functional models (any DAG: the field of a merge is the union over its inputs, i.e.
the maximum over paths), on built Sequential models, and on models nested inside them, whose
layers are listed as `outer/inner`.
"""

import dataclasses

import keras

from kerasvision.inspect.layer_field_rules import output_fields
from kerasvision.inspect.receptive_field_geometry import identity_field


@dataclasses.dataclass
class LayerTrace:
    """One call of one layer: its shapes and the receptive field of each output."""

    name: str
    layer: object
    input_shapes: list
    output_shapes: list
    fields: list

    @property
    def field(self):
        return self.fields[0] if self.fields else None


def trace_model(model):
    """A LayerTrace per layer call of `model`, inputs first, in topological order."""
    return trace_model_outputs(model)[0]


def trace_model_outputs(model):
    """(the LayerTraces of `trace_model`, the ReceptiveField of each of the model's outputs)."""
    graph = _functional_graph(model)
    fields = {id(t): identity_field(len(t.shape)) for t in graph.inputs}
    traces = [LayerTrace(t._keras_history.operation.name if t._keras_history.operation
                         else "input", t._keras_history.operation, [], [tuple(t.shape)],
                         [fields[id(t)]]) for t in graph.inputs]
    traces += _trace_nodes(graph, fields, prefix="")
    return traces, [fields.get(id(t)) for t in graph.outputs]


def _functional_graph(model):
    if isinstance(model, keras.Sequential):
        graph = getattr(model, "_functional", None)
        if graph is None:
            raise ValueError(f"Sequential model {model.name!r} is not built: give it an Input "
                             "or call build(input_shape) first")
        return graph
    if not hasattr(model, "_nodes_by_depth"):
        raise ValueError(f"{model.name!r} is a subclassed model; only functional and "
                         "Sequential models have a layer graph to inspect")
    return model


def _trace_nodes(graph, fields, prefix, specs=None):
    # `specs` (nested models only) maps the graph's tensors to tensors of the shapes the
    # outer model actually feeds it: a block built for (None, None, C) inside a 224x224 model.
    traces = []
    for depth in sorted(graph._nodes_by_depth, reverse=True):
        for node in graph._nodes_by_depth[depth]:
            layer = node.operation
            if node.is_input or layer is None or isinstance(layer, keras.layers.InputLayer):
                continue
            inputs, outputs = node.input_tensors, node.output_tensors
            in_fields = [fields.get(id(t)) for t in inputs]
            in_specs = [specs.get(id(t), t) for t in inputs] if specs else list(inputs)
            out_specs = _output_specs(node, specs) if specs else list(outputs)
            if isinstance(layer, keras.Model):
                inner = _functional_graph(layer)
                inner_fields = {id(t): f for t, f in zip(inner.inputs, in_fields)}
                inner_specs = {id(t): s for t, s in zip(inner.inputs, in_specs)}
                traces += _trace_nodes(inner, inner_fields, f"{prefix}{layer.name}/",
                                       inner_specs)
                out_fields = [inner_fields.get(id(t)) for t in inner.outputs]
                out_specs = [inner_specs.get(id(t), t) for t in inner.outputs]
            else:
                in_shapes = [tuple(t.shape) for t in in_specs]
                out_shapes = [tuple(t.shape) for t in out_specs]
                out_fields = output_fields(layer, in_fields, in_shapes, out_shapes)
                traces.append(LayerTrace(prefix + layer.name, layer, in_shapes, out_shapes,
                                         out_fields))
            for t, f in zip(outputs, out_fields):
                fields[id(t)] = f
            if specs is not None:
                for t, s in zip(outputs, out_specs):
                    specs[id(t)] = s
    return traces


def _output_specs(node, specs):
    try:
        args, kwargs = node.arguments.fill_in(specs)
        return list(keras.tree.flatten(node.operation.compute_output_spec(*args, **kwargs)))
    except Exception:  # noqa: BLE001 - fall back to the shapes the graph was built with
        return list(node.output_tensors)
