"""The keras.applications builder signature, written once for every classification builder.

keras.applications builders take `include_top, weights, input_tensor, input_shape, pooling,
classes, classifier_activation, name`; ours take the same, then their own arguments.
`@applications_builder(...)` turns `fn(app, **own)` into a builder with that whole signature as
real parameters (`inspect.signature` lists each one, so the registry checks `tiny` and `config`
keys against it) and hands `fn` the keras.applications arguments as one ApplicationArguments.

    @applications_builder(default_input_shape=(227, 227, 3), min_input_size=67)
    def alexnet(app, groups=1, width=1.0, dropout=0.5):
        app.check_weights(None)
        inputs = app.image_input()
        ...
        return app.model(inputs, outputs)
"""

import dataclasses
import functools
import inspect

from kerasvision.models.image_input import image_input, source_inputs
from kerasvision.models.imagenet_weights import check_weights_argument, load_weights

# keras.applications' order; a builder's own arguments follow.
APPLICATIONS_PARAMETERS = ("include_top", "weights", "input_tensor", "input_shape", "pooling",
                           "classes", "classifier_activation", "name")
_FUNCTION_NAME = object()  # `name` not given: the decorated function's own name


@dataclasses.dataclass(frozen=True)
class ApplicationArguments:
    """One call's keras.applications arguments, and the builder's input defaults.

    Attributes:
        default_input_shape: (H, W, C) when neither `input_shape` nor `input_tensor` is given.
        min_input_size: the smallest spatial side the architecture's strides allow.
        input_name: name of the Input layer the builder creates (None: Keras's default).
    """

    include_top: bool
    weights: object
    input_tensor: object
    input_shape: object
    pooling: object
    classes: int
    classifier_activation: object
    name: str
    default_input_shape: tuple = (224, 224, 3)
    min_input_size: int = 1
    input_name: str = None

    def check_weights(self, weights_key):
        """Validate `weights` before building; `weights_key` is None where no ImageNet file fits."""
        check_weights_argument(self.weights, weights_key, self.include_top, self.classes,
                               self.name)

    def image_input(self):
        """The image input tensor (see image_input.image_input)."""
        return image_input(self.input_tensor, self.input_shape, self.default_input_shape,
                           min_size=self.min_input_size, model_name=self.name,
                           input_name=self.input_name)

    def model(self, inputs, outputs, weights_key=None):
        """The functional model from `inputs` (or `input_tensor`'s sources), weights loaded."""
        from keras.models import Model

        model = Model(source_inputs(self.input_tensor, inputs), outputs, name=self.name)
        return load_weights(model, self.weights, weights_key, self.include_top)


def applications_builder(name=_FUNCTION_NAME, *, classes=1000, default_input_shape=(224, 224, 3),
                         min_input_size=1, input_name=None, doc=None):
    """Decorator giving `fn(app, **own)` the signature `(include_top=True, weights=None,
    input_tensor=None, input_shape=None, pooling=None, classes=classes,
    classifier_activation="softmax", name=name, **own)`.

    Args:
        name: the default `name` argument and the builder's `__name__` (default: `fn`'s name);
            None makes `name=None` the default (the builder then names the model itself).
        classes: the default number of classes (1000 for ImageNet, 10 for CIFAR).
        default_input_shape, min_input_size, input_name: see ApplicationArguments; the builder
            carries `default_input_shape` and `min_input_size` as attributes, for tests and
            tools that need a legal input size without building.
        doc: the builder's docstring (default: `fn`'s).
    """

    def decorate(fn):
        own = list(inspect.signature(fn).parameters.values())[1:]
        for p in own:
            if p.default is p.empty or p.name in APPLICATIONS_PARAMETERS or \
                    p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                raise TypeError(f"{fn.__qualname__}: builder argument {p.name!r} must be a "
                                "keyword with a default, not one of keras.applications'")
        defaults = {"include_top": True, "weights": None, "input_tensor": None,
                    "input_shape": None, "pooling": None, "classes": classes,
                    "classifier_activation": "softmax",
                    "name": fn.__name__ if name is _FUNCTION_NAME else name}
        signature = inspect.Signature(
            [inspect.Parameter(k, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=v)
             for k, v in defaults.items()] + own)

        @functools.wraps(fn)
        def builder(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            given = dict(bound.arguments)
            app = ApplicationArguments(**{k: given.pop(k) for k in APPLICATIONS_PARAMETERS},
                                       default_input_shape=tuple(default_input_shape),
                                       min_input_size=min_input_size, input_name=input_name)
            return fn(app, **given)

        # inspect.signature reads __signature__ before following __wrapped__ to `fn`.
        builder.__signature__ = signature
        if isinstance(name, str):
            builder.__name__ = builder.__qualname__ = name
        if doc is not None:
            builder.__doc__ = doc
        builder.default_input_shape = tuple(default_input_shape)
        builder.min_input_size = min_input_size
        return builder

    return decorate
