"""LLM inference: sentence embeddings (BERT encoders) and greedy text generation (Llama decoders),
transformers vs candle-transformers (and tch for the embeddings), on the same weights, tokenizer.json
and text bytes.

Importing this package (and the task modules the registry loads) imports neither torch nor
transformers: phase 1 must work, and say why, where they are absent.
"""

DOMAIN = "llm"
