"""SavedModel export for TensorFlow Serving: signatures, warmup records, atomic versions."""
