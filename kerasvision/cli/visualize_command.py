"""`kerasvision visualize ...`: pictures of what a network computes (PNG files).

    kerasvision visualize patches MODEL --images DIR --output top.png
    kerasvision visualize activations MODEL IMAGE --output maps.png
    kerasvision visualize filters MODEL --output filters.png
    kerasvision visualize receptive-field MODEL --output rf.png

MODEL is a `.keras` file or a registered name. A registered name means its published
(ImageNet) weights where Keras ships them; `--weights none` gives random ones, with a warning
(`receptive-field` needs no weights). Images are fed as float pixels 0-255 (what kerasvision's
task models take; their normalisation is inside the graph); `--scale` changes that for models
that expect another range. A skipped unreadable image makes the exit code 1.
"""

import click

from kerasvision.cli.info_command import parse_input_shape

_MODEL_OPTIONS = [
    click.option("--input-shape", help="H,W,C to build (or re-trace) the model for."),
    click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
                 help="PNG file to write."),
]


_WEIGHTS_OPTION = click.option(
    "--weights", metavar="imagenet|none|PATH",
    help="For a registered name: imagenet (the default; Keras's published weights), a "
         "weights file, or none (random weights: the pictures mean nothing).")


def _model_options(command):
    for option in reversed(_MODEL_OPTIONS):
        command = option(command)
    return command


def _weighted_model_options(command):
    return _WEIGHTS_OPTION(_model_options(command))


@click.group()
def visualize():
    """Pictures of what a network learned (patches, activations, filters, receptive field)."""


def _load(ctx, model, input_shape, weights=None, weights_matter=True):
    """The Keras model; for a registered name with the weights `--weights` means
    (cli/registry_weights.py) where they matter to the picture."""
    shape = parse_input_shape(input_shape)
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=(ctx.obj or {}).get("debug", False))
    from kerasvision.cli.registry_weights import (RANDOM, fetching_weights, is_registry_name,
                                                  registry_weights)
    from kerasvision.inspect.model_source import load_model

    weights_file = None
    try:
        if weights_matter and is_registry_name(model):
            chosen = registry_weights(model, weights)
            weights_file = None if chosen in (None, "imagenet") else chosen
            with fetching_weights(model):
                keras_model = load_model(model, input_shape=shape,
                                         weights="imagenet" if chosen == "imagenet" else None)
        else:
            if weights is not None and weights.lower() == RANDOM:
                raise click.UsageError("--weights none is for a registered name; a model file "
                                       "carries its own weights")
            weights_file = weights
            keras_model = load_model(model, input_shape=shape)
        if weights_file is not None:
            from kerasvision.tasks.weight_files import load_weights_file

            load_weights_file(keras_model, weights_file)
        return keras_model
    except ValueError as error:
        raise click.ClickException(str(error).strip().splitlines()[0]) from error


def _image_geometry(keras_model):
    shape = tuple(keras_model.inputs[0].shape[1:])
    if len(shape) != 3 or shape[-1] not in (1, 3):
        raise click.ClickException(f"model {keras_model.name!r} takes input {shape}, not "
                                   "images of 1 or 3 channels")
    return shape


def _read_folder(folder, keras_model, scale):
    """(model input batch, list of paths, how many were skipped); unreadable files are
    reported and skipped.

    Images are read and resized by an `ImagePreprocessor`, as `classify` and training do; a
    model of any input size takes the first image's.
    """
    import numpy as np

    from kerasvision.io.image_preprocessor import ImagePreprocessor

    height, width, channels = _image_geometry(keras_model)
    any_size = not (height and width)
    preprocessor = ImagePreprocessor((1, 1) if any_size else (height, width), channels)
    pixels, paths, skipped = [], [], 0
    for path, image, error in preprocessor.read(folder):
        if error is not None:
            click.echo(f"kerasvision: skipping {error}", err=True)
            skipped += 1
            continue
        if any_size and not pixels:  # reading depends on channels only: the loop goes on
            preprocessor = ImagePreprocessor(image.shape[:2], channels)
        pixels.append(preprocessor.preprocess([image]).pixels[0])  # one at a time: memory
        paths.append(path)
    if not pixels:
        raise click.ClickException(f"{folder}: no readable images")
    return np.stack(pixels) * scale, paths, skipped


def _run(step):
    try:
        return step()
    except ValueError as error:
        message = str(error).strip().splitlines()[0]
        if getattr(error, "usage_error", False):  # e.g. an unknown --layer
            raise click.UsageError(message) from error
        raise click.ClickException(message) from error


@visualize.command()
@click.argument("model")
@click.option("--images", "folder", required=True, type=click.Path(exists=True),
              help="Folder (or file) of images to search.")
@click.option("--layer", help="Layer to look at (default: the deepest convolution whose "
                               "receptive field is at most two thirds of the image).")
@click.option("--filters", default=8, show_default=True, type=click.IntRange(1),
              help="How many filters (the first ones): one row each.")
@click.option("--top", default=9, show_default=True, type=click.IntRange(1),
              help="Patches per filter.")
@click.option("--scale", default=1.0, show_default=True,
              help="Multiply 0-255 pixels by this before the model.")
@_weighted_model_options
@click.pass_context
def patches(ctx, model, folder, layer, filters, top, scale, input_shape, output, weights):
    """Top dataset patches per filter, cut out by the receptive field; the number above each
    patch is its unit's activation."""
    keras_model = _load(ctx, model, input_shape, weights)
    images, _, skipped = _read_folder(folder, keras_model, scale)
    from kerasvision.inspect.maximal_patches import plot_top_patches, top_patches

    name, found = _run(lambda: top_patches(keras_model, images, layer, filters, top))
    plot_top_patches(found, images, output, layer_name=name)
    box = found[0][0].full_box
    click.echo(f"{output}: top {top} patches of {len(found)} filters of {name} over "
               f"{len(images)} images (field {box[0][1] - box[0][0] + 1}x"
               f"{box[1][1] - box[1][0] + 1})")
    if skipped:
        ctx.exit(1)


@visualize.command()
@click.argument("model")
@click.argument("image", type=click.Path(exists=True, dir_okay=False))
@click.option("--layer", help="Layer to look at (default: the last convolution).")
@click.option("--maps", "max_maps", default=64, show_default=True, type=click.IntRange(1),
              help="At most this many channels.")
@click.option("--scale", default=1.0, show_default=True,
              help="Multiply 0-255 pixels by this before the model.")
@_weighted_model_options
@click.pass_context
def activations(ctx, model, image, layer, max_maps, scale, input_shape, output, weights):
    """A layer's activation maps for one image."""
    keras_model = _load(ctx, model, input_shape, weights)
    images, _, _ = _read_folder(image, keras_model, scale)
    from kerasvision.inspect.feature_maps import activation_maps, plot_activation_maps

    name, maps = _run(lambda: activation_maps(keras_model, images[0], layer))
    plot_activation_maps(maps, output, image=images[0], layer_name=name, max_maps=max_maps)
    click.echo(f"{output}: {min(max_maps, maps.shape[-1])} of {maps.shape[-1]} maps of {name} "
               f"({maps.shape[0]}x{maps.shape[1]})")


@visualize.command()
@click.argument("model")
@click.option("--layer", help="Convolution to show (default: the first).")
@_weighted_model_options
@click.pass_context
def filters(ctx, model, layer, input_shape, output, weights):
    """The first convolution's filters as images."""
    keras_model = _load(ctx, model, input_shape, weights)
    from kerasvision.inspect.filter_images import first_layer_filters, plot_first_layer_filters

    name, kernels = _run(lambda: first_layer_filters(keras_model, layer))
    plot_first_layer_filters(kernels, output, layer_name=name)
    click.echo(f"{output}: {min(len(kernels), 96)} filters of {name} "
               f"({kernels.shape[1]}x{kernels.shape[2]}x{kernels.shape[3]})")


@visualize.command("receptive-field")
@click.argument("model")
@_model_options
@click.pass_context
def receptive_field_command(ctx, model, input_shape, output):
    """Receptive-field size and jump per layer, plotted (geometry only: no weights needed)."""
    keras_model = _load(ctx, model, input_shape, weights_matter=False)
    from kerasvision.inspect.receptive_field_plot import plot_receptive_field

    curve = _run(lambda: plot_receptive_field(keras_model, output))
    name, size, jump = curve[-1]
    click.echo(f"{output}: {len(curve)} layers; {name} sees {size:g} pixels, jump {jump:g}")
