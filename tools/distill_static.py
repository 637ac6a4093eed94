"""One-time distillation of the `static` embedder from the transformer (model2vec's recipe, numpy + onnxruntime).

Every vocabulary token goes through the teacher alone (`[CLS] token [SEP]`, mean pooled); the token vectors are
reduced by PCA and weighted by a Zipf prior on the token's rank (model2vec's SIF weighting), so frequent
word pieces count less. At run time a text's vector is the mean of its tokens' vectors: no model call.

Run:  .venv/bin/python tools/distill_static.py --teacher data/models/all-minilm-l6-v2-int8 \
          --out data/models/minilm-static            (≈ 30 s on 2 cores)
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", type=Path, default=Path("data/models/all-minilm-l6-v2-int8"))
    parser.add_argument("--out", type=Path, default=Path("data/models/minilm-static"))
    parser.add_argument("--dims", type=int, default=256, help="PCA dimensions (0 keeps the teacher's)")
    parser.add_argument("--sif", type=float, default=1e-4, help="SIF coefficient of the Zipf weighting")
    args = parser.parse_args()

    from tokenizers import Tokenizer

    from dailypapers.search.embedders import OnnxEmbedder

    teacher = OnnxEmbedder(args.teacher, batch_size=1024)
    tokenizer = Tokenizer.from_file(str(args.teacher / "tokenizer.json"))
    vocab_size = tokenizer.get_vocab_size()
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    started = time.perf_counter()
    vectors = np.zeros((vocab_size, teacher.dim), dtype=np.float32)
    for start in range(0, vocab_size, 1024):
        ids = np.arange(start, min(start + 1024, vocab_size), dtype=np.int64)
        batch = np.stack([np.full_like(ids, cls_id), ids, np.full_like(ids, sep_id)], axis=1)
        vectors[ids] = teacher.session.run(None, {"input_ids": batch, "attention_mask": np.ones_like(batch)})[0]
    print(f"embedded {vocab_size} tokens in {time.perf_counter() - started:.1f}s")

    centred = vectors - vectors.mean(axis=0)
    if args.dims and args.dims < teacher.dim:
        _, _, components = np.linalg.svd(centred, full_matrices=False)
        centred = centred @ components[: args.dims].T
    rank = np.arange(2, vocab_size + 2, dtype=np.float64)  # WordPiece vocabularies are roughly frequency-ordered
    prob = (1.0 / rank) / np.sum(1.0 / rank)
    weighted = centred * (args.sif / (args.sif + prob))[:, None]

    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / "embeddings.npy", weighted.astype(np.float32))
    shutil.copyfile(args.teacher / "tokenizer.json", args.out / "tokenizer.json")
    meta = {"name": f"minilm-static-{weighted.shape[1]}", "dim": int(weighted.shape[1]), "teacher": teacher.name}
    (args.out / "model.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {args.out} ({weighted.shape[0]} x {weighted.shape[1]})")


if __name__ == "__main__":
    main()
