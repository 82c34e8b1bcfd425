"""`kerasvision data scenes`: write a Fashion-scenes detection/segmentation dataset.

The writer is numpy and Pillow only, so this command never loads TensorFlow.
"""

import json
import os

import click


def _size(ctx, param, value):
    """Click callback: "H,W" (or one number for a square) -> (H, W)."""
    try:
        parts = [int(v) for v in value.replace("x", ",").split(",")]
    except ValueError:
        parts = []
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or min(parts) < 1:
        raise click.BadParameter(f"expected HEIGHT,WIDTH in pixels (e.g. 128,128), got "
                                 f"{value!r}")
    return tuple(parts)


@click.group()
def data():
    """Make datasets."""


@data.command()
@click.option("--output", required=True, type=click.Path(),
              help="Folder to create (images/, masks/, annotations.json); must not exist.")
@click.option("--count", required=True, type=click.IntRange(min=1), help="Number of scenes.")
@click.option("--size", default="128,128", show_default=True, callback=_size,
              help="Scene HEIGHT,WIDTH in pixels.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0),
              help="Random seed: the same seed gives the same scenes.")
@click.option("--split", type=click.Choice(["train", "validation", "test"]), default="train",
              show_default=True, help="Which Fashion-MNIST items the scenes use.")
def scenes(output, count, size, seed, split):
    """Fashion-MNIST items composed into scenes, with boxes and masks, in COCO format.

    Prints a JSON summary on stdout; the progress bar goes to stderr.
    """
    if os.path.lexists(output):
        raise click.ClickException(f"{output} already exists; refusing to overwrite it "
                                   "(choose a new --output)")
    from kerasvision.data.fashion_scenes_writer import write_scenes_dataset

    document = write_scenes_dataset(output, count, split=split, size=size, seed=seed,
                                    progress=True)
    click.echo(json.dumps({"output": os.path.abspath(output), "split": split,
                           "size": list(size), "seed": seed,
                           "images": len(document["images"]),
                           "annotations": len(document["annotations"])}, indent=2))
