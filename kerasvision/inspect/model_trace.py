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
    graph = _functional_graph(model)
    fields = {id(t): identity_field(len(t.shape)) for t in graph.inputs}
    traces = [LayerTrace(t._keras_history.operation.name if t._keras_history.operation
                         else "input", t._keras_history.operation, [], [tuple(t.shape)],
                         [fields[id(t)]]) for t in graph.inputs]
    traces += _trace_nodes(graph, fields, prefix="")
    return traces


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


def _trace_nodes(graph, fields, prefix):
    traces = []
    for depth in sorted(graph._nodes_by_depth, reverse=True):
        for node in graph._nodes_by_depth[depth]:
            layer = node.operation
            if node.is_input or layer is None or isinstance(layer, keras.layers.InputLayer):
                continue
            inputs, outputs = node.input_tensors, node.output_tensors
            in_fields = [fields.get(id(t)) for t in inputs]
            if isinstance(layer, keras.Model):
                inner = _functional_graph(layer)
                inner_fields = {id(t): f for t, f in zip(inner.inputs, in_fields)}
                traces += _trace_nodes(inner, inner_fields, prefix=f"{prefix}{layer.name}/")
                out_fields = [inner_fields.get(id(t)) for t in inner.outputs]
            else:
                out_fields = output_fields(layer, in_fields, [tuple(t.shape) for t in inputs],
                                           [tuple(t.shape) for t in outputs])
                traces.append(LayerTrace(prefix + layer.name, layer,
                                         [tuple(t.shape) for t in inputs],
                                         [tuple(t.shape) for t in outputs], out_fields))
            for t, f in zip(outputs, out_fields):
                fields[id(t)] = f
    return traces
