"""all-MiniLM-L6-v2 on ONNX Runtime: the app's MiniLM. The same vectors as sentence-transformers, without
importing torch or sentence-transformers when answering (that import alone takes ~8 s here; ONNX Runtime and the
tokenizers library take ~0.2 s), and faster to embed on CPU.

The ONNX file is exported locally from the bundled safetensors weights (never downloaded), checked against
the PyTorch model on sample texts, and cached under .index/models/ named by the weights' sha256. The export
prints one line; PyTorch's tracer warnings and the weight-loading progress bar are kept out of the terminal.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from functools import cached_property
from pathlib import Path

import numpy as np

from index.embedders.base import ModelError, clean_for_engine, token_windows
from index.embedders.minilm import (DIM, MAX_TOKENS, MODEL_SHA256, NAME, RECIPE, WINDOW_STRIDE, WINDOW_TOKENS,
                                    bundled_model_dir, verify_weights)
from index.paths import INDEX_ROOT

EXPORT_TOLERANCE = 1e-4  # max |difference| allowed between ONNX and PyTorch vectors on the check texts
EXPORT_NOTICE = "preparing the model for fast answers, once: ~10 s"
CHECK_TEXTS = ["Where was the declaration signed?",
               "We will deepen cooperation on critical minerals under the 2023 Memorandum of Cooperation."]


def onnx_path(cache_dir: Path = INDEX_ROOT / "models") -> Path:
    return cache_dir / f"all-MiniLM-L6-v2-{MODEL_SHA256[:16]}.onnx"


@contextlib.contextmanager
def _quiet_export():
    """Silence what loading and tracing the PyTorch model print (TracerWarnings, the aten::index UserWarning,
    transformers' "Loading weights" bar and log lines) for the export only; errors still raise."""
    import transformers

    hf_logger = transformers.utils.logging
    verbosity = hf_logger.get_verbosity()
    bars = hf_logger.is_progress_bar_enabled()
    loggers = [logging.getLogger(n) for n in ("torch", "torch.onnx", "sentence_transformers", "huggingface_hub")]
    levels = [lg.level for lg in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hf_logger.set_verbosity_error()
        hf_logger.disable_progress_bar()
        try:
            import huggingface_hub.utils as hub_utils

            hub_utils.disable_progress_bars()
        except (ImportError, AttributeError):
            hub_utils = None
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        try:
            yield
        finally:
            hf_logger.set_verbosity(verbosity)
            if bars:
                hf_logger.enable_progress_bar()
            for lg, level in zip(loggers, levels):
                lg.setLevel(level)


def export_in_child(model_dir: Path, target: Path) -> Path:
    """Run export_onnx in a child process, so PyTorch is never loaded into the process that serves (a server
    that had exported in-process lost its connection when it then rendered PDF pages, in fresh-clone runs)."""
    import subprocess

    code = ("import sys; from pathlib import Path; from index.embedders.minilm_onnx import export_onnx; "
            "export_onnx(Path(sys.argv[1]), Path(sys.argv[2]))")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code, str(model_dir), str(target)], cwd=root,
                          stderr=None, stdout=subprocess.DEVNULL)
    if done.returncode != 0 or not target.is_file():
        raise ModelError(f"exporting the model to ONNX failed (exit {done.returncode}); see the message above")
    return target


def export_onnx(model_dir: Path, target: Path, notice=lambda msg: print(msg, file=sys.stderr, flush=True)) -> Path:
    """Export BERT + mean pooling + L2 normalisation to ONNX, check it against sentence-transformers, and
    write it atomically to `target`."""
    notice(EXPORT_NOTICE)
    with _quiet_export():
        import onnxruntime as ort
        import torch
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        bert = st[0].auto_model.eval()

        class Pooled(torch.nn.Module):
            def __init__(self, bert):
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask, token_type_ids):
                tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                                   token_type_ids=token_type_ids).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
                pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(pooled, p=2, dim=1)

        enc = st.tokenizer(CHECK_TEXTS, padding=True, return_tensors="pt")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp-{os.getpid()}")
        names = ["input_ids", "attention_mask", "token_type_ids"]
        axes = {n: {0: "batch", 1: "tokens"} for n in names}
        with torch.no_grad():
            torch.onnx.export(Pooled(bert), tuple(enc[n] for n in names), str(tmp), input_names=names,
                              output_names=["embedding"], dynamic_axes={**axes, "embedding": {0: "batch"}},
                              opset_version=17, dynamo=False)
        reference = st.encode(CHECK_TEXTS, normalize_embeddings=True, show_progress_bar=False)
        session = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
        got = session.run(None, {n: enc[n].numpy() for n in names})[0]
    diff = float(np.abs(got - reference).max())
    if diff > EXPORT_TOLERANCE:
        tmp.unlink(missing_ok=True)
        raise ModelError(f"the ONNX export differs from the PyTorch model by {diff:.2e} (allowed "
                         f"{EXPORT_TOLERANCE:.0e}); not using it")
    os.replace(tmp, target)
    return target


def cut_to_limit(ids: list[int], limit: int = MAX_TOKENS) -> list[int]:
    """Token ids ([CLS] ... [SEP]) cut to `limit`, the last one kept ([SEP]); the same ids as the tokenizer's
    own truncation, without changing the shared tokenizer's settings (which other threads use at that moment)."""
    return ids if len(ids) <= limit else ids[:limit - 1] + ids[-1:]


class OnnxMiniLMEmbedder:
    """The Embedder for all-MiniLM-L6-v2 on ONNX Runtime; loads on first use. Safe to share between threads:
    the tokenizer's settings are fixed once (no truncation, no padding) and never changed per call."""

    name = NAME
    dim = DIM
    weights_sha256 = MODEL_SHA256
    recipe = RECIPE

    def __init__(self, model_dir: Path | None = None, cache_dir: Path | None = None, threads: int | None = None):
        self.model_dir = Path(model_dir) if model_dir else None
        self.cache_dir = Path(cache_dir) if cache_dir else INDEX_ROOT / "models"
        self.threads = threads or os.cpu_count() or 1

    @cached_property
    def _model_dir(self) -> Path:
        model_dir = self.model_dir or bundled_model_dir()
        verify_weights(model_dir, self.weights_sha256)
        return model_dir

    @cached_property
    def session(self):
        import onnxruntime as ort

        path = onnx_path(self.cache_dir)
        if not path.is_file():
            export_in_child(self._model_dir, path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Idle pool threads sleep instead of spinning: on this shared 2-core machine under load, one question took
        # 74.5 ms with spinning and 13.6 ms without (30 questions each, same minute, load average ~8).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own exception types for a damaged file
            raise ModelError(f"cannot load {path} ({e}); delete it and it will be exported again") from e

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self._model_dir / "tokenizer.json"))
        tok.no_padding()
        tok.no_truncation()
        return tok

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised vectors; each text is cut to MAX_TOKENS tokens; texts are batched by length so little
        compute goes to padding."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session = self.session
        # Lone surrogates make the tokenizer raise (TypeError); cleaning keeps every other character.
        ids_of = [cut_to_limit(e.ids) for e in self.tokenizer.encode_batch([clean_for_engine(t) for t in texts])]
        order = np.argsort([len(ids) for ids in ids_of], kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            width = max(len(ids_of[i]) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                ids[row, :len(ids_of[i])] = ids_of[i]
                mask[row, :len(ids_of[i])] = 1
            types = np.zeros_like(ids)  # one segment: all token type ids are 0
            out[idx] = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        return out

    encode_queries = encode_passages  # MiniLM has no query/passage prefixes
    encode = encode_passages  # the pre-seam name, kept for callers outside this branch

    def windows(self, text: str) -> list[str]:
        # clean_for_engine keeps the length (one character for one), so offsets index the original text.
        offsets = self.tokenizer.encode(clean_for_engine(text), add_special_tokens=False).offsets
        return token_windows(text, offsets, WINDOW_TOKENS, WINDOW_STRIDE)
