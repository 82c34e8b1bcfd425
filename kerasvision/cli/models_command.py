"""`kerasvision models`: the catalogue, read from the registry without building anything."""

import json

import click


@click.command()
@click.option("--task", type=click.Choice(["classic", "classification", "detection", "segmentation"]),
              help="Only the models of one task.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of objects for scripts.")
@click.pass_context
def models(ctx, task, as_json):
    """List the registered architectures and their published figures."""
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=ctx.obj.get("debug", False))
    from kerasvision.models import list_models, model_info

    rows = [model_info(n) for n in list_models(task)]
    if as_json:
        click.echo(json.dumps([{k: r[k] for k in ("name", "task", "params", "paper", "summary")}
                               for r in rows], indent=2))
        return
    width = max((len(r["name"]) for r in rows), default=4)
    for r in rows:
        params = f"{r['params']:>13,}" if r["params"] else f"{'-':>13}"
        click.echo(f"{r['name']:<{width}}  {r['task']:<14}  {params}  {r['paper']}")
