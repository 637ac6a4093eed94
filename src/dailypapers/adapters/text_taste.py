"""The for-you text model (the TextTaste port) on scikit-learn: TF-IDF over the words of title and abstract and a
linear SVM per request, liked papers against the papers around them, as arxiv-sanity ranks papers for a tag.

Words are hashed (no vocabulary to keep in step with the hub), counted once per paper and kept in a bounded cache,
so a request tokenises only papers it has not seen; the IDF and the SVM are fit on the request's own papers.
bench/personal_quality.py measured it against the embedding models (README, "Personal feed").
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.svm import LinearSVC

from dailypapers.domain.models import Paper
from dailypapers.ports.taste import TextScores

HASH_FEATURES = 2**18  # collisions among a request's few thousand papers' words are rare at this size
SVM_C = 1.0  # tried on the bench members: C 0.3 / 1 / 3 / 10 within 0.02 MRR of each other
DISLIKED_WEIGHT = 3.0  # a "not interested" click says more than a paper merely passed over
CACHE_PAPERS = 50_000  # word counts kept: ~2 KB a paper, so about 100 MB at most

_Counts = tuple[np.ndarray, np.ndarray]  # (hashed word indices, counts) of one paper


class TfidfSvmTaste:
    """TextTaste with a linear SVM over TF-IDF rows; thread-safe (the cache is the only shared state)."""

    def __init__(self, *, cache_papers: int = CACHE_PAPERS) -> None:
        self._vectorizer = HashingVectorizer(
            n_features=HASH_FEATURES, alternate_sign=False, norm=None, stop_words="english", dtype=np.float32
        )
        self._cache: OrderedDict[tuple[str, int], _Counts] = OrderedDict()
        self._cache_papers = cache_papers
        self._lock = threading.Lock()

    def score(
        self,
        liked: Sequence[Paper],
        disliked: Sequence[Paper],
        background: Sequence[Paper],
        candidates: Sequence[Paper],
    ) -> TextScores | None:
        if not liked or not candidates:
            return None
        papers = [*liked, *disliked, *background, *candidates]
        rows = TfidfTransformer(sublinear_tf=True).fit_transform(self._counts(papers))
        rows = sp.csr_matrix(rows)
        labels = np.zeros(len(papers))
        labels[: len(liked)] = 1
        weights = np.ones(len(papers))
        weights[len(liked) : len(liked) + len(disliked)] = DISLIKED_WEIGHT
        model = LinearSVC(C=SVM_C, class_weight="balanced", random_state=0, max_iter=10_000, tol=1e-5)
        model.fit(rows, labels, sample_weight=weights)
        tail = rows[len(papers) - len(candidates) :]
        scores = model.decision_function(tail)
        overlap = (tail @ rows[: len(liked)].T).toarray()  # cosines: TfidfTransformer's rows have unit length
        return TextScores(tuple(float(s) for s in scores), tuple(int(j) for j in overlap.argmax(axis=1)))

    def _counts(self, papers: Sequence[Paper]) -> sp.csr_matrix:
        """The hashed word counts of these papers as CSR rows, tokenising only the ones not cached."""
        keys = [(p.arxiv_id, hash((p.title, p.abstract))) for p in papers]  # an edited abstract is a new entry
        with self._lock:
            found = {key: self._cache[key] for key in keys if key in self._cache}
            for key in found:
                self._cache.move_to_end(key)
        missing = {key: p for key, p in zip(keys, papers, strict=True) if key not in found}
        if missing:
            counted = sp.csr_matrix(self._vectorizer.transform([f"{p.title}. {p.abstract}" for p in missing.values()]))
            for n, key in enumerate(missing):
                start, end = counted.indptr[n], counted.indptr[n + 1]
                found[key] = (counted.indices[start:end].astype(np.int32), counted.data[start:end].copy())
            with self._lock:
                self._cache.update((key, found[key]) for key in missing)
                while len(self._cache) > self._cache_papers:
                    self._cache.popitem(last=False)
        parts = [found[key] for key in keys]
        indptr = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum([len(indices) for indices, _ in parts], out=indptr[1:])
        indices = np.concatenate([i for i, _ in parts]) if parts else np.zeros(0, dtype=np.int32)
        data = np.concatenate([d for _, d in parts]) if parts else np.zeros(0, dtype=np.float32)
        return sp.csr_matrix((data, indices, indptr), shape=(len(parts), HASH_FEATURES))
