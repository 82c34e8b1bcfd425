"""The registry's schema checks, and that no family module can be left out of the registry."""

import ast
import pathlib

import pytest

import kerasvision.models
from kerasvision.models import imagenet_weights, list_models
from kerasvision.registry import RegistrationError, UnknownModelError, get_spec, register_model

MODELS = pathlib.Path(kerasvision.models.__file__).parent


def _builder(include_top=True, classes=10, width=1.0):
    """A stand-in builder (never called)."""


def _register(name, **fields):
    fields = {"task": "classification", "paper": "a paper", **fields}
    return register_model(name, **fields)(_builder)


def _assert_not_registered(name):
    with pytest.raises(UnknownModelError):
        get_spec(name)


def test_a_reference_key_typo_raises_naming_it():
    with pytest.raises(RegistrationError) as err:
        _register("test_registry_typo", reference={"param": 1_000})
    assert "'param'" in str(err.value) and "did you mean 'params'" in str(err.value)
    _assert_not_registered("test_registry_typo")


@pytest.mark.parametrize("fields", [{"tiny": {"widht": 0.5}},
                                    {"reference": {"params": 1, "config": {"depht": 3}}}])
def test_tiny_and_config_keys_must_be_builder_arguments(fields):
    with pytest.raises(RegistrationError, match="not arguments of"):
        _register("test_registry_stray_key", **fields)
    _assert_not_registered("test_registry_stray_key")


@pytest.mark.parametrize("value", [("conv3", 3), ("conv3", 0), ("conv3", "8"), ["conv3", 8],
                                   (3, 8), ("conv3",)])
def test_feature_levels_need_a_layer_and_a_power_of_two_stride(value):
    with pytest.raises(RegistrationError, match="'C3'"):
        _register("test_registry_bad_level", feature_levels={"C3": value})
    _assert_not_registered("test_registry_bad_level")


def test_only_classification_declares_feature_levels_and_task_kind_are_checked():
    with pytest.raises(RegistrationError, match="only classification"):
        _register("test_registry_levels", task="detection", feature_levels={"C3": ("c", 8)})
    with pytest.raises(RegistrationError, match="task must be"):
        _register("test_registry_task", task="classifcation")
    with pytest.raises(RegistrationError, match="kind must be"):
        _register("test_registry_kind", kind="pipe")


def test_a_duplicate_name_raises_and_keeps_the_first():
    first = get_spec("resnet50").builder
    with pytest.raises(RegistrationError, match="already registered"):
        _register("resnet50")
    assert get_spec("resnet50").builder is first


def _registering_modules():
    """Modules under kerasvision/models/ whose source calls register_model(...)."""
    found = set()
    for path in MODELS.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, ast.Call) and getattr(node.func, "id", None) == "register_model"
               for node in ast.walk(tree)):
            parts = path.relative_to(MODELS.parent.parent).with_suffix("").parts
            found.add(".".join(parts))
    return found


def _imported_by_families():
    tree = ast.parse((MODELS / "_families.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    return imported


def test_every_registering_module_is_imported_by_families():
    registering = _registering_modules()
    missing = sorted(registering - _imported_by_families())
    assert not missing, f"add to kerasvision/models/_families.py: {missing}"
    # The source scan sees what the registry holds: every registered family module.
    held = {get_spec(n).builder.__module__ for n in list_models()}
    assert {m for m in held if m.startswith("kerasvision.models.")} == registering


def test_every_classification_model_is_a_backbone_and_weights_keys_exist():
    for name in list_models("classification"):
        spec = get_spec(name)
        assert spec.feature_levels, name
        assert spec.imagenet_weights is None or spec.imagenet_weights in imagenet_weights._FILES
    with_weights = {n for n in list_models() if get_spec(n).imagenet_weights}
    # keras.applications ships these eleven; each has exactly one registration.
    assert sorted(get_spec(n).imagenet_weights for n in with_weights) == \
        sorted(imagenet_weights._FILES)
