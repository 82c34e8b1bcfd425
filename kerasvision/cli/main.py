"""Entry point of the `kerasvision` command.

Sub-commands live in their own modules and are imported only when invoked, so `--help` and
`--version` never load TensorFlow. Errors become one line on stderr (the traceback with
`--debug`); exit codes: 0 all fine, 1 some inputs failed or the command failed, 2 usage error.
"""

import importlib
import sys

import click

from kerasvision import __version__

# name -> (module, attribute, one-line help shown by --help without importing the module)
COMMANDS = {
    "models": ("kerasvision.cli.models_command", "models",
               "List the registered architectures and their published figures."),
    "info": ("kerasvision.cli.info_command", "info",
             "Per-layer table: shapes, parameters, receptive field, MACs."),
    "classify": ("kerasvision.cli.classify_command", "classify",
                 "Classify images with the shipped model or your own."),
    "detect": ("kerasvision.cli.detect_command", "detect",
               "Detect objects in images with the shipped detector or your own."),
    "segment": ("kerasvision.cli.segment_command", "segment",
                "Label every pixel of images with the shipped segmenter or your own."),
    "evaluate": ("kerasvision.cli.evaluate_command", "evaluate",
                 "Score a detector (COCO mAP) or a segmenter (mean IoU) on a data set."),
    "export": ("kerasvision.cli.export_command", "export",
               "Export a model as a TF Serving SavedModel version."),
    "train": ("kerasvision.cli.train_command", "train",
              "Train an application (classifier, detector, segmenter) with model.fit."),
    "visualize": ("kerasvision.cli.visualize_command", "visualize",
                  "Pictures of what a network learned (patches, activations, filters)."),
    "data": ("kerasvision.cli.data_command", "data",
             "Make datasets: Fashion-MNIST scenes with boxes and masks (COCO format)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kerasvision")
@click.option("--debug", is_flag=True, help="Show tracebacks and TensorFlow's own logs.")
@click.pass_context
def cli(ctx, debug):
    """kerasvision: the classic convolutional-network canon, as Keras models.

    \b
    Examples:
      kerasvision classify photo.png            # shipped Fashion-MNIST classifier
      kerasvision models --task classification  # the catalogue
      kerasvision info resnet50                 # layer table with receptive fields
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


# Options of the `kerasvision` group itself: they go before the command.
ROOT_OPTIONS = ("--debug", "--version", "--help", "-h")


def root_debug(argv):
    """Whether `--debug` was given to `kerasvision` itself, i.e. before the command name."""
    for arg in argv:
        if not arg.startswith("-"):
            return False  # the command: what follows is the command's own
        if arg == "--debug":
            return True
    return False


def is_usage_error(exc):
    """Errors in what was asked rather than in the inputs: exit code 2, like click's own."""
    from kerasvision.registry import UnknownModelError

    return isinstance(exc, UnknownModelError) or getattr(exc, "usage_error", False)


def usage_message(exc):
    """click's message, with where an option of `kerasvision` itself goes."""
    message = exc.format_message()
    if isinstance(exc, click.NoSuchOption) and exc.option_name in ROOT_OPTIONS:
        message += (f" ({exc.option_name} is an option of kerasvision itself and goes before "
                    f"the command: kerasvision {exc.option_name} COMMAND ...)")
    return message


# Options naming a folder a command creates for its results (or a file inside one).
OUTPUT_OPTIONS = ("--output", "--workdir", "-o")


def output_paths(argv):
    """The values of `OUTPUT_OPTIONS` in `argv` (`--output X` and `--output=X` forms)."""
    paths = []
    for i, arg in enumerate(argv):
        name, equals, value = arg.partition("=")
        if name in OUTPUT_OPTIONS:
            if equals:
                paths.append(value)
            elif i + 1 < len(argv):
                paths.append(argv[i + 1])
    return paths


def main(argv=None):
    """Run the command; a failed run removes the output folders it created and left empty."""
    argv = sys.argv[1:] if argv is None else list(argv)
    created = []
    if any(p for p in output_paths(argv)):
        from kerasvision.io.output_directories import missing_parents

        created = [missing_parents(p) for p in output_paths(argv) if p]
    try:
        _main(argv)
    except BaseException as exc:
        if created and not (isinstance(exc, SystemExit) and exc.code in (0, None)):
            from kerasvision.io.output_directories import remove_if_empty

            for directories in created:
                remove_if_empty(directories)
        raise


def _main(argv):
    debug = root_debug(argv)
    try:
        rc = cli.main(args=argv, prog_name="kerasvision", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("kerasvision: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        if debug:
            raise
        click.echo(f"kerasvision: error: {usage_message(exc)}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("kerasvision: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the CLI's promise: one line, never a traceback
        if debug:
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        click.echo(f"kerasvision: error: {message}", err=True)
        sys.exit(2 if is_usage_error(exc) else 1)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    main()
