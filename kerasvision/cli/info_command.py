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
    if as_json:
        click.echo(json.dumps({"model": keras_model.name,
                               "params": int(keras_model.count_params()),
                               "layers": rows}, indent=2))
        return
    click.echo(f"{keras_model.name}: {int(keras_model.count_params()):,} parameters")
    click.echo(format_layer_table(rows))
