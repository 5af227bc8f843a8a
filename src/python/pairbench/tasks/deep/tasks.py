"""Registration of the deep-learning tasks and models; torch is imported only when a cell runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pairbench.core.benchmark import Benchmark, RunContext
from pairbench.core.registry import algorithm, cell_preparer, task_runner
from pairbench.datasets.materialise import Split
from pairbench.tasks.deep import DOMAIN
from pairbench.tasks.deep.spec import IMAGE_TASK, SEQUENCE_TASKS

CNN_MODELS = {
    "lenet": "LeNet-5 (two 5x5 convs, 120-84 dense head)",
    "simple_cnn": "3x (conv3x3 + batch-norm + ReLU), max-pool, global average pool, dropout, linear",
    "resnet18": "ResNet-18 topology (basic blocks 2-2-2-2), CIFAR-style stem, reduced base width",
    "mobilenet": "MobileNet-v1-style depthwise-separable blocks",
}
RNN_MODELS = {
    "rnn": "Elman RNN (tanh), last step -> linear",
    "lstm": "LSTM, last step -> linear",
    "gru": "GRU, last step -> linear",
}


def _register(task: str, name: str, doc: str) -> None:
    def build(spec: Any, params: dict[str, Any]) -> Any:
        from pairbench.tasks.deep.torch_models import build_model

        return build_model(name, spec, params)

    build.__doc__ = doc
    algorithm(DOMAIN, task, name)(build)


for _name, _doc in CNN_MODELS.items():
    _register(IMAGE_TASK, _name, _doc)
for _task in SEQUENCE_TASKS:
    for _name, _doc in RNN_MODELS.items():
        _register(_task, _name, _doc)


def _runner_for(task: str) -> None:
    def make(algorithm_name: str, params: dict[str, Any], split: Split, context: RunContext) -> Benchmark:
        from pairbench.tasks.deep.torch_runner import DeepBenchmark

        return DeepBenchmark(
            task,
            algorithm_name,
            params,
            split,
            cell_id=context.cell_id,
            data_dir=context.data_dir,
        )

    task_runner(DOMAIN, task)(make)


for _task in (IMAGE_TASK, *SEQUENCE_TASKS):
    _runner_for(_task)


@cell_preparer(DOMAIN)
def prepare(cell: dict[str, Any], data_dir: Path) -> Path:
    """Phase-3 hook: the shared initial weights and batch order of one cell."""
    from pairbench.tasks.deep.prepare import prepare_cell

    return prepare_cell(cell, data_dir)
