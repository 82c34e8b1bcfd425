"""`kerasvision info NAME|FILE.keras`: the per-layer table (shapes, parameters, receptive
field, MACs) of a registered architecture or a saved model."""

import json

import click


def parse_input_shape(value):
    """'224,224,3' -> (224, 224, 3), for --input-shape options."""
    if value is None:
        return None
    try:
        shape = tuple(int(v) for v in value.replace("x", ",").split(","))
    except ValueError:
        shape = ()
    if len(shape) < 1 or min(shape) < 1:
        raise click.BadParameter(f"expected positive integers like 224,224,3, got {value!r}")
    return shape


def parameter_counts(keras_model):
    """(all parameters, trainable parameters) of a built model."""
    import math

    trainable = sum(math.prod(w.shape) for w in keras_model.trainable_weights)
    return int(keras_model.count_params()), int(trainable)


def registered_fixed(name):
    """The registry's `fixed` note ([number, what]) for a registered name, else None."""
    from kerasvision.registry import UnknownModelError, get_spec

    try:
        return get_spec(name).reference.get("fixed")
    except UnknownModelError:
        return None  # a file


def parameter_line(keras_model, fixed=None):
    """`name: N parameters (T trainable + F ...)`, the split the catalogue's counts refer to;
    `fixed` ([number, what]) words the untrained part where the paper names it."""
    total, trainable = parameter_counts(keras_model)
    untrained = total - trainable
    line = f"{keras_model.name}: {total:,} parameters"
    if not untrained:
        return f"{line} (all trainable)"
    if fixed and fixed[0] == untrained:
        return f"{line} ({trainable:,} trainable + {untrained:,} fixed {fixed[1]})"
    kinds = sorted({type(layer).__name__ for layer in keras_model.layers
                    if layer.non_trainable_weights})
    return f"{line} ({trainable:,} trainable + {untrained:,} not trained: {', '.join(kinds)})"


@click.command()
@click.argument("model")
@click.option("--input-shape", help="H,W,C to build (or re-trace) the model for.")
@click.option("--tiny", is_flag=True, help="Build the registered model's small test variant.")
@click.option("--json", "as_json", is_flag=True, help="The table as JSON for scripts.")
@click.pass_context
def info(ctx, model, input_shape, tiny, as_json):
    """Per-layer table of MODEL (a registered name or a .keras file): output shape,
    parameters, receptive field (size, jump, start in input pixels) and MACs per image."""
    shape = parse_input_shape(input_shape)
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=ctx.obj.get("debug", False) if ctx.obj else False)
    from kerasvision.inspect.layer_summary import format_layer_table, layer_table
    from kerasvision.inspect.model_source import load_model

    try:
        keras_model = load_model(model, input_shape=shape, tiny=tiny)
        rows = layer_table(keras_model)
    except ValueError as error:
        raise click.ClickException(str(error).strip().splitlines()[0]) from error
    total, trainable = parameter_counts(keras_model)
    if as_json:
        click.echo(json.dumps({"model": keras_model.name, "params": total,
                               "trainable_params": trainable, "layers": rows}, indent=2))
        return
    click.echo(parameter_line(keras_model, registered_fixed(model)))
    click.echo(format_layer_table(rows))
