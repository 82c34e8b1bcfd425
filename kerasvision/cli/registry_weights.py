"""What `--weights` means for a registry name on the command line (`classify`, `export`,
`visualize`), and the one-line messages when the weights cannot be had.

A registry name means its published weights: ImageNet, from Keras's own weight files, where
Keras ships them. Random weights only when asked for with `--weights none`, and then with a
warning, since a randomly initialised network answers with confident-looking nonsense.
"""

import contextlib
import io
import sys

import click

RANDOM = "none"


def registry_weights(name, weights):
    """'imagenet', None (random, warned about) or a path, for registry name `name`.

    Raises:
        click.UsageError: `name` has no published weights and none were given, or
            `--weights imagenet` for a model Keras ships no ImageNet weights for.
    """
    from kerasvision.registry import get_spec

    published = get_spec(name).imagenet_weights is not None
    if weights is not None and weights.lower() == RANDOM:
        click.echo(f"kerasvision: warning: {name} with random weights (--weights none): its "
                   "answers are meaningless", err=True)
        return None
    if weights in (None, "imagenet") and not published:
        raise click.UsageError(
            f"{name} has no published weights to load; pass --weights PATH (a weights file "
            "for this architecture) or --weights none (random weights, meaningless answers)")
    return "imagenet" if weights is None else weights


@contextlib.contextmanager
def fetching_weights(name):
    """Keras's download messages kept off stdout, and a failed download as one line."""
    # Keras prints "Downloading data from ..." on stdout, where `--json` output goes; on a
    # terminal the progress is useful on stderr, elsewhere it is noise.
    target = sys.stderr if sys.stderr.isatty() else io.StringIO()
    try:
        with contextlib.redirect_stdout(target):
            yield
    except (OSError, ConnectionError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise click.ClickException(
            f"{name}: its published ImageNet weights could not be downloaded (no network?); "
            "Keras fetches them once into ~/.keras/models/. Pass --weights PATH for a local "
            "file, or --weights none for random weights") from None


def is_registry_name(source):
    """Whether a --model value names a registered architecture rather than a file or folder."""
    from pathlib import Path

    path = Path(source)
    return not (path.exists() or path.suffix in (".keras", ".h5", ".hdf5"))


def cli_classifier(model, weights, trust_model):
    """`load_classifier` with the command line's meaning of `--weights` (see module doc)."""
    from kerasvision.tasks.classifier_sources import load_classifier

    if model is None or not is_registry_name(model):
        if weights is not None and weights.lower() == RANDOM:
            raise click.UsageError("--weights none is for a registry name; a model file "
                                   "carries its own weights")
        return load_classifier(model, weights, trust_model)
    chosen = registry_weights(model, weights)
    with fetching_weights(model):
        return load_classifier(model, chosen, trust_model)
