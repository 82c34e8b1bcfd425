"""The model registry: every architecture registers its builders here under a public name.

The registry drives the catalogue (`kerasvision models`), `build(name)` and the standard
contract test, which walks `list_models()` so that registering a builder is all it takes for it
to be tested.
"""

import difflib
import inspect

TASKS = ("classic", "classification", "detection", "segmentation")

_REGISTRY = {}


class UnknownModelError(KeyError):
    """An unregistered name; the message suggests close matches."""

    def __str__(self):  # KeyError would print the message in quotes
        return str(self.args[0])


class ModelSpec:
    """What the registry knows of one public name: the builder and its published metadata."""

    def __init__(self, name, builder, task, paper, reference, tiny, inputs):
        self.name = name
        self.builder = builder
        self.task = task
        self.paper = paper
        self.reference = dict(reference or {})
        self.tiny = dict(tiny or {})
        self.inputs = inputs

    @property
    def summary(self):
        doc = inspect.getdoc(self.builder) or ""
        return doc.splitlines()[0] if doc else ""

    def as_dict(self):
        return {
            "name": self.name,
            "task": self.task,
            "paper": self.paper,
            "params": self.reference.get("params"),
            "reference": self.reference,
            "summary": self.summary,
        }


def register_model(name, *, task, paper, reference=None, tiny=None, inputs=None):
    """Decorator registering `builder` under `name`.

    Args:
        name: public, lower-case name (`"resnet50"`).
        task: one of TASKS.
        paper: the citation the builder reproduces.
        reference: published figures a test checks, e.g. `{"params": 25_636_712, "source": ...}`.
            `params` is compared with `count_params()` of `build(name, **reference["config"])`
            (default config: the builder's defaults); `params_rel_tol` allows a paper's rounding.
        tiny: keyword overrides that build a small, fast variant for the contract tests.
        inputs: optional callable `(model, batch_size, rng) -> inputs` for models whose inputs are
            not a single image batch; the contract uses it instead of random images.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")

    def decorate(builder):
        if name in _REGISTRY:
            raise ValueError(f"model name {name!r} is already registered "
                             f"(by {_REGISTRY[name].builder.__module__})")
        _REGISTRY[name] = ModelSpec(name, builder, task, paper, reference, tiny, inputs)
        builder.registered_name = name
        return builder

    return decorate


def _load_families():
    # Importing the family modules runs their @register_model decorators.
    from kerasvision.models import _families  # noqa: F401


def get_spec(name):
    """The ModelSpec of `name`; unknown names raise KeyError with close matches."""
    _load_families()
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `kerasvision models`"
        raise UnknownModelError(f"unknown model {name!r}{hint}")
    return _REGISTRY[name]


def list_models(task=None):
    """Sorted registered names, optionally only those of one task."""
    _load_families()
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    return sorted(n for n, s in _REGISTRY.items() if task is None or s.task == task)


def model_info(name):
    """Metadata of `name` as a plain dict (name, task, paper, params, reference, summary)."""
    return get_spec(name).as_dict()


def build(name, **overrides):
    """Build the registered model `name`; keyword overrides go to its builder."""
    return get_spec(name).builder(**overrides)


def build_tiny(name, **overrides):
    """Build the small test variant of `name` (its `tiny` overrides, then yours)."""
    spec = get_spec(name)
    return spec.builder(**{**spec.tiny, **overrides})
