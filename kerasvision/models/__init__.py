"""Model builders of the canon, and the registry's public face.

    from kerasvision.models import build, list_models, model_info
"""

from kerasvision.models.backbone import build_backbone
from kerasvision.registry import build, build_tiny, list_models, model_info, register_model

__all__ = ["build", "build_backbone", "build_tiny", "list_models", "model_info", "register_model"]
