"""Multi-column networks: several copies of one architecture side by side, each trained with
its own loss, their class probabilities averaged (Ciresan, Meier & Schmidhuber, Multi-column
Deep Neural Networks for Image Classification, CVPR 2012).

The columns are laid out flat in one functional graph (their layers prefixed `column1_`,
`column2_`, ...) rather than nested as sub-models, so that everything that walks a model's
layers — BatchNorm settings, the float32 copy of a mixed-precision run, the logits and
features the in-distribution score taps — sees every column's layers.
"""

import keras

from kerasvision.layers.column_average import ColumnAverage

AVERAGE_NAME = "column_average"


def column_prefix(index):
    return f"column{index}_"


def replayed(network, inputs, prefix):
    """`network`'s graph applied to `inputs` with fresh copies of its layers, each renamed
    `prefix` + its name (new weights, initialised as the originals' configs say)."""
    copies = {}

    def copy_of(operation):
        if id(operation) not in copies:
            config = operation.get_config()
            config["name"] = prefix + operation.name
            copies[id(operation)] = operation.__class__.from_config(config)
        return copies[id(operation)]

    # Keras's own graph walk (what keras.models.clone_model runs); the public clone_model
    # cannot start a copy at an intermediate tensor of another graph.
    output = network._run_through_graph([inputs], operation_fn=copy_of)
    return output[0] if isinstance(output, (list, tuple)) else output


def multi_column_outputs(network, inputs, columns):
    """[each column's probabilities..., their ColumnAverage]: `columns` copies of `network` (a
    single-input, single-output functional model, the template: each copy has fresh weights)
    on `inputs`."""
    if columns < 2:
        raise ValueError(f"a multi-column network needs at least 2 columns, got {columns}")
    if len(network.outputs) != 1:
        raise ValueError(f"multi-column networks average single-output columns; "
                         f"{network.name} has {len(network.outputs)} outputs")
    outputs = [replayed(network, inputs, column_prefix(index))
               for index in range(1, columns + 1)]
    return outputs + [ColumnAverage(name=AVERAGE_NAME)(outputs)]
