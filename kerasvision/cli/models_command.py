"""`kerasvision models`: the catalogue, read from the registry without building anything."""

import json
import re

import click

LEGEND = ("PARAMETERS: the published count each build is tested against; exact unless marked "
          "'~' (the paper rounds, and ours is within its rounding); '-' where none is "
          "published. COUNT: 'total' counts every weight, batch-norm statistics included; "
          "'trainable' only the trained ones.")


def natural_key(name):
    """Sort key reading digit runs as numbers: resnet18 < resnet34 < resnet101."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def parameter_figures(reference):
    """(published count as text, which count it is) for the catalogue's columns."""
    params = reference.get("params")
    if not params:
        return "-", ""
    rounded = bool(reference.get("params_rel_tol"))
    which = reference.get("count", "total")
    fixed = reference.get("fixed")
    if fixed:
        which += f" + {fixed[0]:,} fixed {fixed[1]}"
    return f"{'~' if rounded else ''}{params:,}", which


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

    rows = [model_info(n) for n in sorted(list_models(task), key=natural_key)]
    if as_json:
        click.echo(json.dumps([
            {**{k: r[k] for k in ("name", "task", "params", "paper", "summary")},
             "params_count": r["reference"].get("count", "total") if r["params"] else None,
             "params_exact": not r["reference"].get("params_rel_tol") if r["params"] else None,
             "params_fixed": (r["reference"].get("fixed") or [None])[0]}
            for r in rows], indent=2))
        return
    if not rows:
        click.echo(f"no models registered for task {task!r}")
        return
    table = [("NAME", "TASK", "PARAMETERS", "COUNT", "PAPER")]
    table += [(r["name"], r["task"], *parameter_figures(r["reference"]), r["paper"])
              for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        click.echo(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  "
                   f"{row[3]:<{widths[3]}}  {row[4]}".rstrip())
    click.echo("\n" + LEGEND)
