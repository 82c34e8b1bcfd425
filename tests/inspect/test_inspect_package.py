"""kerasvision.inspect's public names are the functions (not same-named submodules), and
importing the package does not load TensorFlow (the CLI's --help stays instant)."""

import subprocess
import sys

import kerasvision.inspect as inspect_package


def test_public_names_resolve_to_functions_and_classes():
    for name in inspect_package.__all__:
        value = getattr(inspect_package, name)
        assert callable(value), f"kerasvision.inspect.{name} is {type(value).__name__}"
    # Importing the submodules must not replace the functions (they are named differently).
    from kerasvision.inspect import layer_summary  # noqa: F401
    assert callable(inspect_package.layer_table)


def test_import_is_cheap():
    code = ("import sys, kerasvision.inspect, kerasvision.inspect.conv_arithmetic; "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]
