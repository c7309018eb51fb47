"""Compatibility names: the ONNX MiniLM now lives in index/embedders/minilm_onnx.py."""
from index.embedders.minilm_onnx import (EXPORT_NOTICE, EXPORT_TOLERANCE, OnnxMiniLMEmbedder, cut_to_limit,
                                         export_onnx, onnx_path)

__all__ = ["EXPORT_NOTICE", "EXPORT_TOLERANCE", "OnnxMiniLMEmbedder", "cut_to_limit", "export_onnx", "onnx_path"]
