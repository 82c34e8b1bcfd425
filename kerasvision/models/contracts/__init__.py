"""The standard contract, one object per task: what the contract test feeds each registered
name and what it asserts of its predictions (docs/architecture.md, "The registry").

    contract = contract_for(get_spec("resnet18"))
    x, y = contract.example_batch(model, 2, rng)
    contract.check_prediction(model, x, contract.forward(model, x))

A model contract (kind "model") gives `example_batch(model, batch_size, rng) -> (x, y)`,
`compile(model)`, `forward(model, x)` and `check_prediction(model, x, outputs)`; the pipeline
contract (kind "pipeline") gives `example_scene`, `forward`, `check_prediction` and `reload`.
"""

from kerasvision.models.contracts.classification import ClassificationContract
from kerasvision.models.contracts.detection import DetectionContract
from kerasvision.models.contracts.model_contract import ModelContract, as_arrays
from kerasvision.models.contracts.pipeline import Pipeline, PipelineContract
from kerasvision.models.contracts.segmentation import SegmentationContract

MODEL_CONTRACTS = {
    "classic": ClassificationContract,
    "classification": ClassificationContract,
    "detection": DetectionContract,
    "segmentation": SegmentationContract,
}


def contract_for(spec):
    """The contract object of a registered (or directly built) `ModelSpec`."""
    if spec.kind == "pipeline":
        return PipelineContract(spec)
    return MODEL_CONTRACTS[spec.task](spec)


__all__ = ["ClassificationContract", "DetectionContract", "ModelContract", "Pipeline",
           "PipelineContract", "SegmentationContract", "as_arrays", "contract_for"]
