"""The model registry: every architecture registers its builders here under a public name.

The registry drives the catalogue (`kerasvision models`), `build(name)`, `build_backbone` and
the per-task standard contract, which walks `list_models()` so that registering a builder is all
it takes for it to be tested (docs/architecture.md, "The registry").

A registration is checked when it is made: the keys of `reference` come from a declared set
(a typo such as `"param"` must fail, not silently drop the parameter-count test), the keys of
`tiny` and `reference["config"]` must be arguments of the builder, and `feature_levels` must
name strides that are powers of two.
"""

import difflib
import inspect

TASKS = ("classic", "classification", "detection", "segmentation")
# "model": the builder returns one trainable keras.Model; "pipeline": the builder returns an
# object with `predict`/`save`/`load` made of several parts (sliding-window detection, R-CNN with
# proposals, CRF post-processing), tested by the pipeline contract.
KINDS = ("model", "pipeline")

# Every key `reference` may hold, and what the tests do with it.
REFERENCE_KEYS = {
    "params": "published parameter count; tests/test_contract.py compares count_params()",
    "count": '"total" (default) or "trainable": which count `params` is',
    "fixed": "[number, what]: weights the paper keeps fixed besides a trainable `params` "
             "(LeNet-5's 840 RBF codes); shown by `kerasvision models` and `info`",
    "params_rel_tol": "relative tolerance for a paper that rounds (e.g. 0.01 for '11.0M')",
    "config": "builder arguments of the published configuration (default: the builder's)",
    "slow": "the reference build is heavy: its test is marked slow",
    "source": "where the figures come from (paper table, keras.applications, ...)",
    "measured": "figures we measured ourselves (shown in the catalogue, not asserted)",
}

_REGISTRY = {}


class UnknownModelError(KeyError):
    """An unregistered name; the message suggests close matches."""

    def __str__(self):  # KeyError would print the message in quotes
        return str(self.args[0])


class RegistrationError(ValueError):
    """A registration whose metadata does not fit the registry's schema."""


class ModelSpec:
    """What the registry knows of one public name: the builder and its published metadata.

    Args:
        feature_levels: for classification backbones, `{level: (layer, stride)}` where `layer`
            is a layer name or a regular expression over layer names (the last match in the
            model's layer order wins, so `r"conv2_block\\d+_out"` finds a stage's last unit
            whatever its depth) and `stride` the level's down-sampling factor.
        imagenet_weights: keras.applications' weight-file key when Keras ships ImageNet weights
            for this architecture (tests of the weights path are derived from it).
    """

    def __init__(self, name, builder, task, paper, reference=None, tiny=None, inputs=None,
                 kind="model", feature_levels=None, imagenet_weights=None):
        self.name = name
        self.builder = builder
        self.task = task
        self.kind = kind
        self.paper = paper
        self.reference = dict(reference or {})
        self.tiny = dict(tiny or {})
        self.inputs = inputs
        self.feature_levels = dict(feature_levels or {})
        self.imagenet_weights = imagenet_weights
        _validate(self)

    @property
    def summary(self):
        doc = inspect.getdoc(self.builder) or ""
        return doc.splitlines()[0] if doc else ""

    def as_dict(self):
        return {
            "name": self.name,
            "task": self.task,
            "kind": self.kind,
            "paper": self.paper,
            "params": self.reference.get("params"),
            "reference": self.reference,
            "feature_levels": {k: list(v) for k, v in self.feature_levels.items()},
            "summary": self.summary,
        }


def _validate(spec):
    where = f"registration of {spec.name!r}"
    if spec.task not in TASKS:
        raise RegistrationError(f"{where}: task must be one of {TASKS}, got {spec.task!r}")
    if spec.kind not in KINDS:
        raise RegistrationError(f"{where}: kind must be one of {KINDS}, got {spec.kind!r}")
    unknown = sorted(set(spec.reference) - set(REFERENCE_KEYS))
    if unknown:
        hints = {k: difflib.get_close_matches(k, REFERENCE_KEYS, n=1) for k in unknown}
        said = ", ".join(f"{k!r}" + (f" (did you mean {h[0]!r}?)" if h else "")
                         for k, h in hints.items())
        raise RegistrationError(f"{where}: unknown reference key {said}; "
                                f"declared keys: {', '.join(sorted(REFERENCE_KEYS))}")
    if spec.reference.get("count", "total") not in ("total", "trainable"):
        raise RegistrationError(f"{where}: reference count must be 'total' or 'trainable'")
    parameters = inspect.signature(spec.builder).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    for label, given in (("tiny", spec.tiny), ("reference config",
                                                spec.reference.get("config", {}))):
        stray = sorted(k for k in given if k not in parameters)
        if stray and not takes_any:
            raise RegistrationError(f"{where}: {label} key(s) {stray} are not arguments of "
                                    f"{spec.builder.__qualname__}")
    for level, value in spec.feature_levels.items():
        if (not isinstance(value, tuple) or len(value) != 2 or not isinstance(value[0], str)
                or not isinstance(value[1], int) or value[1] < 1 or value[1] & (value[1] - 1)):
            raise RegistrationError(f"{where}: feature level {level!r} must be "
                                    f"(layer name or pattern, stride a power of two), got {value!r}")
    if spec.feature_levels and spec.task != "classification":
        raise RegistrationError(f"{where}: only classification backbones declare feature levels")


def register_model(name, *, task, paper, reference=None, tiny=None, inputs=None, kind="model",
                   feature_levels=None, imagenet_weights=None):
    """Decorator registering `builder` under `name`.

    Args:
        name: public, lower-case name (`"resnet50"`).
        task: one of TASKS.
        paper: the citation the builder reproduces.
        reference: published figures a test checks, keys from REFERENCE_KEYS, e.g.
            `{"params": 25_636_712, "source": "keras.applications.ResNet50"}`.
        tiny: keyword overrides that build a small, fast variant for the contract tests.
        inputs: optional callable `(model, batch_size, rng) -> (x, y)` for models whose inputs
            are not a single image batch; the contract uses it instead of the task's examples.
        kind: "model" or "pipeline" (see KINDS).
        feature_levels: named stage outputs for `build_backbone` (see ModelSpec).
        imagenet_weights: keras.applications weight-file key, where Keras ships weights.
    """

    def decorate(builder):
        if name in _REGISTRY:
            raise RegistrationError(f"model name {name!r} is already registered "
                                    f"(by {_REGISTRY[name].builder.__module__})")
        _REGISTRY[name] = ModelSpec(name, builder, task, paper, reference, tiny, inputs, kind,
                                    feature_levels, imagenet_weights)
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
    """Metadata of `name` as a plain dict (name, task, kind, paper, params, reference, ...)."""
    return get_spec(name).as_dict()


def build(name, **overrides):
    """Build the registered model `name`; keyword overrides go to its builder."""
    return get_spec(name).builder(**overrides)


def build_tiny(name, **overrides):
    """Build the small test variant of `name` (its `tiny` overrides, then yours)."""
    spec = get_spec(name)
    return spec.builder(**{**spec.tiny, **overrides})
