"""The `kerasvision` command line (click). Commands import TensorFlow lazily."""
