"""The LLM domain's text corpus, stored through the same `.npy` + sha256 manifest as every dataset.

One row per string: its UTF-8 bytes as numbers 0..255, padded with 0 (NUL never occurs in the text),
so both sides read byte-identical text through the split machinery they already verify. The label
is a paraphrase-group id: rows sharing one are paraphrases (the encoder's semantic sanity check);
every other row has a group of its own.

The strings are varied on purpose, for the tokenizer-parity gate: the Zen of Python (public domain,
PEP 20; it ships in CPython's `this` module), hand-written paraphrase pairs, and seeded strings with
accents, CJK, Cyrillic, Arabic, emoji, digits, dates, runs of whitespace, long and random words.
"""

from __future__ import annotations

import ast
import codecs
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pairbench.core.registry import dataset_loader

if TYPE_CHECKING:  # builtin imports scikit-learn, which an LLM launch (llm/spec.py imports this) never needs
    from pairbench.datasets.builtin import XY

PARAPHRASES = (
    ("The cat is sleeping on the sofa.", "A cat naps on the couch."),
    ("It is raining heavily in the city today.", "Today there is a downpour in town."),
    ("She bought fresh bread at the bakery.", "She purchased a new loaf from the baker."),
    ("The train to Berlin leaves at eight.", "Our Berlin train departs at 8 o'clock."),
    ("He fixed the broken bicycle wheel.", "He repaired the damaged wheel of his bike."),
    ("The stock market fell sharply on Monday.", "Share prices dropped steeply at the start of the week."),
    ("Children are playing football in the park.", "Kids play soccer in the park."),
    ("The doctor prescribed antibiotics for the infection.", "The physician gave medicine to treat the infection."),
    ("I forgot my umbrella at home.", "I left my umbrella in the house."),
    ("The concert was cancelled because of the storm.", "The storm caused the concert to be called off."),
    ("Water boils at one hundred degrees Celsius.", "At 100 degrees C, water starts to boil."),
    ("The library closes at six in the evening.", "The library shuts at 6 pm."),
    ("My phone battery is almost empty.", "My mobile is nearly out of charge."),
    ("The chef cooked pasta with tomato sauce.", "The cook made spaghetti with a tomato sauce."),
    ("The company hired twenty new engineers.", "The firm recruited 20 additional engineers."),
    ("Please turn off the lights when you leave.", "Switch the lights off as you go out, please."),
    ("The museum shows paintings from the Renaissance.", "Renaissance art is on display at the museum."),
    ("The plane landed safely despite the fog.", "The aircraft touched down safely in spite of the fog."),
    ("He is learning to play the violin.", "He is taking violin lessons."),
    ("The river flooded the nearby fields.", "The fields next to the river were flooded."),
    ("Our team won the championship last year.", "Last year we won the title."),
    ("The software update fixed several bugs.", "Several defects were resolved by the software patch."),
    ("The garden is full of blooming roses.", "Roses are blossoming all over the garden."),
    ("She is reading a novel by the window.", "She reads a book next to the window."),
)
WORDS = (
    "model",
    "token",
    "latency",
    "throughput",
    "river",
    "mountain",
    "café",
    "naïve",
    "Zürich",
    "façade",
    "東京",
    "数据",
    "Привет",
    "мир",
    "مرحبا",
    "שלום",
    "γειά",
    "😀",
    "🚀",
    "👩‍💻",
    "ß",
    "ﬁnance",
    "Ångström",
    "the",
    "and",
    "of",
    "quickly",
    "benchmark",
    "parallel",
    "Rust",
    "Python",
    "transformer",
    "é",
    "ñ",
)
LONG_WORDS = (
    "antidisestablishmentarianism",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "Donaudampfschifffahrtsgesellschaftskapitän",
    "supercalifragilisticexpialidocious",
    "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz",
)
SPACES = (" ", "  ", "\t", "\n", "   ", " \n ", "\u00a0", "\u3000")


def zen_of_python() -> list[str]:
    """PEP 20's aphorisms, read from CPython's `this` module without importing it (the import prints)."""
    spec = importlib.util.find_spec("this")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("CPython's `this` module is missing")
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    encoded = next(
        ast.literal_eval(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "s" for t in node.targets)
    )
    return [line for line in codecs.decode(encoded, "rot13").splitlines() if line.strip()]


def _generated(rng: np.random.Generator, n: int) -> list[str]:
    out = []
    for i in range(n):
        kind = i % 5
        words = [str(rng.choice(WORDS)) for _ in range(int(rng.integers(3, 14)))]
        if kind == 1:  # numbers: integers, decimals, dates, versions
            words += [
                str(int(rng.integers(0, 10 ** int(rng.integers(1, 10))))),
                f"{rng.uniform(-1e3, 1e3):.3f}",
                f"20{int(rng.integers(10, 30))}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}",
                f"v{int(rng.integers(0, 9))}.{int(rng.integers(0, 99))}.{int(rng.integers(0, 9))}",
            ]
        elif kind == 2:  # long and random words
            words += [
                str(rng.choice(LONG_WORDS)),
                "".join(chr(int(c)) for c in rng.integers(97, 123, size=int(rng.integers(20, 50)))),
            ]
        elif kind == 3:  # punctuation and code-like text
            words += ["(x + y) * 2 == z;", "https://example.org/a?b=1&c=2", "user@example.com", "#tag", "$3.50"]
        rng.shuffle(words)
        seps = [str(rng.choice(SPACES)) if kind == 4 else " " for _ in words]
        out.append("".join(w + s for w, s in zip(words, seps, strict=True)).strip(" ") or "empty")
    return out


def encode_rows(texts: list[str]) -> np.ndarray:
    """UTF-8 bytes per row, NUL-padded to the longest row (float64, like every dataset's X)."""
    raw = [t.encode("utf-8") for t in texts]
    if any(b"\x00" in r for r in raw):
        raise ValueError("text corpus: a string contains NUL, which is the row padding")
    X = np.zeros((len(raw), max(len(r) for r in raw)), dtype=np.float64)
    for i, r in enumerate(raw):
        X[i, : len(r)] = np.frombuffer(r, dtype=np.uint8)
    return X


def decode_rows(X: np.ndarray) -> list[str]:
    """The inverse of `encode_rows` (same rule in the Rust binary: bytes up to the first 0)."""
    out = []
    for row in np.asarray(X):
        b = row.astype(np.uint8).tobytes()
        out.append(b.split(b"\x00", 1)[0].decode("utf-8"))
    return out


@dataset_loader("text_corpus")
def text_corpus(seed: int, n_generated: int = 240) -> XY:
    """Zen of Python lines + 24 paraphrase pairs + `n_generated` seeded varied strings (>= 200 in all)."""
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    groups: list[int] = []
    for g, pair in enumerate(PARAPHRASES):
        texts += list(pair)
        groups += [g, g]
    for text in zen_of_python() + _generated(rng, n_generated):
        texts.append(text)
        groups.append(len(PARAPHRASES) + len(groups))
    return encode_rows(texts), np.asarray(groups, dtype=np.int64)
