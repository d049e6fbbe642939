"""Semantic search: words that mean the same ("small" and "tiny", "vision model" and
"VLM") rank together, next to the full-text score.

The optional extra ``.[semantic]`` installs wordllama, whose default model (static
token embeddings, 256 dimensions, 16 MB) ships inside its wheel: it is loaded from
the package directory with downloads disabled, so it never reaches the network.

What is stored (side tables this module creates in the same database):

* ``word_vectors(word, vector)``: each distinct word of the items, embedded once;
* ``item_vectors(item_id, words, vector)``: an item's distinct words (name,
  headline and summary, abbreviations spelled out) and its mean vector (for related releases).

Both are computed at ingest (``SemanticIndex.index_pending``).  A query scores an
item by *soft matching*: for each query word, its best cosine similarity with any
word of the item, averaged over the query's words.  Static embeddings know that
"tiny" is close to "small" but know nothing of "Moondream": the full-text score
stays the main signal, and ``blend`` adds the semantic one (see ``SEMANTIC_WEIGHT``).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.store.search import SYNONYMS

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from bot.store.sqlite import Store

log = logging.getLogger(__name__)

#: The share of the semantic score in a blended search score (the rest: full text).
SEMANTIC_WEIGHT = 0.2
#: Items scored semantically at most (the newest): bounds memory (~2 KB an item).
MAX_ITEMS = 200_000
#: Semantic-only candidates (no full-text match) considered per query.
SEMANTIC_CANDIDATES = 30
#: The semantic score a candidate without any full-text match needs.
SEMANTIC_ALONE = 0.7
#: Items whose mean vectors are summed at a time at ingest (bounds the memory it takes).
_MEANS_CHUNK = 256
#: Characters of an item's text embedded.
MAX_TEXT = 400
_WORD = re.compile(r"[^\W_][\w.\-]*[^\W_]|[^\W\d_]", re.UNICODE)
_STOP = frozenset(
    "a an and the of to in on for with by from at as is are be its it this that new".split()
)
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS word_vectors (
        word TEXT PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS item_vectors (
        item_id TEXT PRIMARY KEY, words TEXT NOT NULL, vector BLOB NOT NULL) WITHOUT ROWID""",
)
# Abbreviations spelled out, so "VLM" meets "vision model" (from search's synonym table).
_EXPANSIONS: dict[str, str] = {
    form: next((f for f in group if " " in f), "")
    for group in SYNONYMS
    for form in group
    if " " not in form
}


def available() -> bool:
    """Whether the ``semantic`` extra (wordllama) is installed."""
    return importlib.util.find_spec("wordllama") is not None


class Model:
    """wordllama's default model (``l2_supercat``, 256 dimensions), read from the files
    inside its wheel.

    Read with ``tokenizers`` and ``safetensors`` (wordllama's own dependencies) rather
    than through ``wordllama.WordLlama.load``: that loader looks for the bundled
    tokenizer in the wrong directory and then downloads it from the Hugging Face hub,
    importing the package costs 0.4 s, and it reconfigures the root logger.  Embedding
    is the same: the mean of the text's token vectors, normalised.
    """

    WEIGHTS = "weights/l2_supercat_256.safetensors"
    TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
    #: Texts embedded per step: bounds the token matrix held at once.
    CHUNK = 1024

    def __init__(self, package_dir: Path) -> None:
        # Texts here are words and short lines: tokenizers' thread pool buys nothing on
        # them and costs a malloc arena per thread (8 MB more at ingest); a value the
        # user set is kept.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from tokenizers import Tokenizer

        # The weights (32,000 rows, 16 MB) are not loaded: the rows of the tokens a
        # text holds are read from the file when it is embedded (a feed's words use
        # a few thousand), which spares an ingest or a search the whole matrix.
        self._weights = package_dir / self.WEIGHTS
        self._offset, self._rows, self._dim = _safetensors_layout(self._weights, "embedding.weight")
        self.tokenizer = Tokenizer.from_file(str(package_dir / self.TOKENIZER))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    @property
    def dim(self) -> int:
        """The vectors' dimension."""
        return self._dim

    def _token_vectors(self, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.float16]:
        """The weight rows of ``ids`` (clipped into the table, as before), read from
        the weights file: each distinct row once."""
        import numpy as np

        ids = np.clip(ids, 0, self._rows - 1)
        unique, where = np.unique(ids, return_inverse=True)
        size = self._dim * 2  # float16
        with self._weights.open("rb") as weights:
            chunks = []
            for row in unique.tolist():
                weights.seek(self._offset + row * size)
                chunks.append(weights.read(size))
        table = np.frombuffer(b"".join(chunks), dtype="<f2").reshape(len(unique), self._dim)
        return table[where]

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit vector per text (zeros for a text with no tokens)."""
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.CHUNK):  # each row is its own sum
            self._embed_into(out[start : start + self.CHUNK], texts[start : start + self.CHUNK])
        return out

    def _embed_into(self, out: npt.NDArray[np.float32], texts: Sequence[str]) -> None:
        import numpy as np

        if not len(texts):
            return
        encoded = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        ids = [e.ids for e in encoded]
        lengths = np.array([len(i) for i in ids])
        if not lengths.sum():
            return
        flat = np.fromiter((t for i in ids for t in i), dtype=np.int64, count=int(lengths.sum()))
        tokens = self._token_vectors(flat)
        nonempty = lengths > 0
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[nonempty]
        out[nonempty] = np.add.reduceat(tokens.astype(np.float32), starts, axis=0)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def _safetensors_layout(path: Path, name: str) -> tuple[int, int, int]:
    """(byte offset, rows, columns) of the 2-D float16 tensor ``name`` in a
    safetensors file: an 8-byte header length, a JSON header, then the data."""
    import json
    import struct

    with path.open("rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    entry = header[name]
    rows, columns = entry["shape"]
    if entry["dtype"] != "F16":
        raise ImportError(f"{path.name}: {name} is {entry['dtype']}, not F16")
    return 8 + length + int(entry["data_offsets"][0]), int(rows), int(columns)


@lru_cache(maxsize=1)
def load_model() -> Model:
    """The model, loaded once per process, offline (raises ``ImportError`` without the
    ``semantic`` extra)."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("semantic search needs wordllama: pip install 'digestbot[semantic]'")
    return Model(Path(next(iter(spec.submodule_search_locations))))


def words_of(text: str) -> list[str]:
    """The distinct content words of ``text``, lower case, abbreviations spelled out."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text[:MAX_TEXT].casefold()):
        if word in _STOP:
            continue
        seen[word] = None
        for extra in _EXPANSIONS.get(word, "").split():
            if extra not in _STOP:
                seen[extra] = None
    return list(seen)[:64]


@dataclass
class _Matrix:
    """What a query is scored against, read from the side tables."""

    generation: int
    rowids: npt.NDArray[np.int64]
    vocab: dict[str, int]
    word_vectors: npt.NDArray[np.float32]
    flat: npt.NDArray[np.int64]  # word ids of every item, item after item
    offsets: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int64]
    position: dict[int, int]  # rowid -> index


class SemanticIndex:
    """Item vectors in ``store``'s database, and scores of queries against them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._matrix: _Matrix | None = None
        self._tables = False  # created by the first ingest: a lookup never writes

    def _ensure_tables(self) -> None:
        if not self._tables:
            with self.store.transaction() as db:
                for statement in _SCHEMA:
                    db.execute(statement)
            self._tables = True

    def _has_tables(self) -> bool:
        if not self._tables:
            found = self.store.query(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('item_vectors', 'word_vectors')"
            )
            self._tables = found[0][0] == 2
        return self._tables

    def index_pending(self, changed_episodes: Sequence[str] = ()) -> int:
        """Embed the items that have no vectors yet (and those of ``changed_episodes``,
        whose text may have changed); drop vectors of items that are gone.  Returns how
        many items were embedded."""
        import numpy as np

        self._ensure_tables()
        with self.store.transaction() as db:
            if changed_episodes:
                ids = list(changed_episodes)[:500]
                db.execute(
                    "DELETE FROM item_vectors WHERE item_id IN (SELECT id FROM items"
                    f" WHERE episode_id IN ({','.join('?' * len(ids))}))",
                    ids,
                )
                db.execute("DELETE FROM item_vectors WHERE item_id NOT IN (SELECT id FROM items)")
        rows = self.store.query(
            "SELECT i.id, i.name, i.headline, i.summary FROM items i"
            " LEFT JOIN item_vectors v ON v.item_id = i.id WHERE v.item_id IS NULL"
        )
        if not rows:
            return 0
        model = load_model()
        item_words = [
            words_of(f"{name} {headline} {summary}") for _, name, headline, summary in rows
        ]
        wanted = sorted({w for words in item_words for w in words})
        known = self._word_vectors(wanted)
        new = [w for w in wanted if w not in known]
        if new:
            known.update(zip(new, model.embed(new), strict=True))
        vocab = {w: i for i, w in enumerate(known)}
        matrix = np.array(list(known.values()), dtype=np.float32).reshape(len(vocab), model.dim)
        means = np.zeros((len(rows), model.dim), dtype=np.float32)
        # A chunk of items at a time: the word vectors of every item at once would be
        # ten times the feed's size.  Each item's mean is its own sum, chunked or not.
        for first in range(0, len(rows), _MEANS_CHUNK):
            chunk = item_words[first : first + _MEANS_CHUNK]
            lengths = np.array([len(words) for words in chunk])
            flat = np.array([vocab[w] for words in chunk for w in words], dtype=np.int64)
            nonempty = lengths > 0
            if len(flat):
                starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[nonempty]
                means[first : first + len(chunk)][nonempty] = np.add.reduceat(
                    matrix[flat], starts, axis=0
                )
        means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)
        packed = means.astype(np.float16)
        out = [
            (item_id, " ".join(words), packed[i].tobytes())
            for i, ((item_id, *_), words) in enumerate(zip(rows, item_words, strict=True))
        ]
        with self.store.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO word_vectors(word, vector) VALUES (?, ?)",
                [(w, known[w].astype(np.float16).tobytes()) for w in new],
            )
            db.executemany(
                "INSERT OR REPLACE INTO item_vectors(item_id, words, vector) VALUES (?, ?, ?)",
                out,
            )
        return len(out)

    def _word_vectors(self, words: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
        import numpy as np

        found: dict[str, npt.NDArray[np.float32]] = {}
        for start in range(0, len(words), 500):
            chunk = list(words[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for word, blob in self.store.query(
                f"SELECT word, vector FROM word_vectors WHERE word IN ({marks})", chunk
            ):
                found[word] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        return found

    def _load(self) -> _Matrix | None:
        """The scoring matrices, re-read when the store changed."""
        import numpy as np

        with self._lock:
            generation = self.store.generation
            if self._matrix is not None and self._matrix.generation == generation:
                return self._matrix
            if not self._has_tables():
                return None
            words = self.store.query("SELECT word, vector FROM word_vectors")
            rows = self.store.query(
                "SELECT i.rowid, v.words FROM item_vectors v JOIN items i ON i.id = v.item_id"
                " ORDER BY i.rowid DESC LIMIT ?",
                (MAX_ITEMS,),
            )
            if not words or not rows:
                return None
            vocab = {w: i for i, (w, _) in enumerate(words)}
            packed = np.frombuffer(b"".join(b for _, b in words), dtype=np.float16)
            matrix = packed.reshape(len(words), -1).astype(np.float32)
            ids = [[vocab[w] for w in text.split() if w in vocab] for _, text in rows]
            lengths = np.array([len(i) for i in ids], dtype=np.int64)
            offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
            self._matrix = _Matrix(
                generation=generation,
                rowids=np.array([r for r, _ in rows], dtype=np.int64),
                vocab=vocab,
                word_vectors=matrix,
                flat=np.array([w for i in ids for w in i], dtype=np.int64),
                offsets=offsets,
                lengths=lengths,
                position={r: i for i, (r, _) in enumerate(rows)},
            )
            return self._matrix

    def scores(self, query: str, rowids: Sequence[int] = (), *, top: int = 0) -> dict[int, float]:
        """Soft-match scores (about 0-1) by rowid: of ``rowids`` (those indexed), and of
        the ``top`` best items."""
        import numpy as np

        matrix = self._load()
        words = words_of(query)[:16]
        if matrix is None or not words or not len(matrix.flat):
            return {}
        similarity = matrix.word_vectors @ load_model().embed(words).T  # vocabulary x words
        nonempty = matrix.lengths > 0
        total = np.zeros(len(matrix.rowids), dtype=np.float32)
        best = np.maximum.reduceat(similarity[matrix.flat], matrix.offsets[nonempty], axis=0)
        total[nonempty] = np.maximum(best, 0.0).mean(axis=1)
        picked = [matrix.position[r] for r in rowids if r in matrix.position]
        if top:
            count = min(top, len(total))
            picked.extend(np.argpartition(-total, count - 1)[:count].tolist())
        return {int(matrix.rowids[i]): float(total[i]) for i in picked}

    def related_entities(self, entity_id: str, limit: int = 5) -> list[tuple[str, float]]:
        """Release entities whose items read most like ``entity_id``'s (cosine of mean
        vectors), best first, other families only."""
        import numpy as np

        from bot.errors import StorageError

        try:
            self.store.fill_entities()  # linking is lazy: items stored since the last lookup
        except StorageError:
            pass  # a read-only database: what is linked
        if not self._has_tables():
            return []
        rows = self.store.query(
            "SELECT i.entity_id, n.family_key, v.vector FROM item_vectors v"
            " JOIN items i ON i.id = v.item_id JOIN entities n ON n.id = i.entity_id"
            " ORDER BY i.rowid DESC LIMIT ?",
            (MAX_ITEMS,),
        )
        by_entity: dict[str, list[Any]] = {}
        families: dict[str, str] = {}
        for other, family, blob in rows:
            by_entity.setdefault(other, []).append(np.frombuffer(blob, dtype=np.float16))
            families[other] = family
        if entity_id not in by_entity:
            return []
        ids = list(by_entity)
        means = np.array([np.mean(by_entity[i], axis=0) for i in ids], dtype=np.float32)
        means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)
        similarity = means @ means[ids.index(entity_id)]
        mine = families[entity_id]
        ranked = [
            (ids[i], float(similarity[i]))
            for i in np.argsort(-similarity)
            if families[ids[i]] != mine
        ]
        return ranked[:limit]


def blend(fts: dict[int, float], semantic: dict[int, float], limit: int) -> list[tuple[int, float]]:
    """(rowid, score) best first: full-text scores (normalised to the best one) blended
    with semantic ones (normalised the same way); a few semantic-only candidates join."""
    best_fts = max(fts.values(), default=0.0) or 1.0
    candidates = set(fts)
    # Without a word in common, only a close meaning joins: "tiny VLM" for "small vision
    # model", not whatever is least far from a name the model never saw ("kokoro").
    candidates.update(r for r, s in semantic.items() if s >= SEMANTIC_ALONE)
    best_semantic = max((semantic.get(c, 0.0) for c in candidates), default=0.0) or 1.0
    scored = [
        (
            rowid,
            (1 - SEMANTIC_WEIGHT) * fts.get(rowid, 0.0) / best_fts
            + SEMANTIC_WEIGHT * semantic.get(rowid, 0.0) / best_semantic,
        )
        for rowid in candidates
    ]
    scored.sort(key=lambda pair: (pair[1], pair[0]), reverse=True)
    return scored[:limit]
