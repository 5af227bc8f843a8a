"""Registration of the LLM tasks and models; torch and transformers are imported only when a cell runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pairbench.core.benchmark import Benchmark, RunContext
from pairbench.core.cells import require_params
from pairbench.core.registry import algorithm, cell_preparer, task_runner
from pairbench.datasets.materialise import Split
from pairbench.tasks.llm import DOMAIN
from pairbench.tasks.llm.spec import CELL_PARAMS, DECODER_TASK, ENCODER_TASK

MODELS = {
    ENCODER_TASK: {
        "minilm_l6": "all-MiniLM-L6-v2 (BERT, 6 layers, hidden 384), mean pooling + L2 norm",
        "tiny_bert": "random BERT (2 layers, hidden 32, seeded) on the MiniLM tokenizer: smoke and tests",
    },
    DECODER_TASK: {
        "smollm2_135m": "SmolLM2-135M-Instruct (Llama, 30 layers, hidden 576, GQA 9/3), GGUF Q4_1 -> f32",
        "tiny_llama": "random Llama (2 layers, hidden 64, GQA 4/2, seeded) on the SmolLM2 tokenizer",
    },
}


def _register(task: str, name: str, doc: str) -> None:
    def build(*_: Any) -> str:
        return name

    build.__doc__ = doc
    algorithm(DOMAIN, task, name)(build)


for _task, _models in MODELS.items():
    for _name, _doc in _models.items():
        _register(_task, _name, _doc)


@task_runner(DOMAIN, ENCODER_TASK)
def encoder(algorithm_name: str, params: dict[str, Any], split: Split, context: RunContext) -> Benchmark:
    from pairbench.tasks.llm.hf_runner import EncoderBenchmark

    require_params(context.cell_id, params, CELL_PARAMS[ENCODER_TASK])
    return EncoderBenchmark(algorithm_name, params, split, context.data_dir)


@task_runner(DOMAIN, DECODER_TASK)
def decoder(algorithm_name: str, params: dict[str, Any], split: Split, context: RunContext) -> Benchmark:
    from pairbench.tasks.llm.hf_runner import DecoderBenchmark

    require_params(context.cell_id, params, CELL_PARAMS[DECODER_TASK])
    return DecoderBenchmark(algorithm_name, params, split, context.data_dir)


@cell_preparer(DOMAIN)
def prepare(cell: dict[str, Any], data_dir: Path) -> Path:
    """Phase-3 hook: the cell's model, materialised once for all cells that use it."""
    from pairbench.tasks.llm.models import materialise_model

    return materialise_model(data_dir, cell["algorithm"], int(cell["seed"]))
