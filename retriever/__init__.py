"""Question → ranked paragraphs (search) → grounded, cited answer (answer)."""
from retriever.answer import Answer, Citation
from retriever.assistant import Assistant, QuestionError
from retriever.search import Hit, Retriever

__all__ = ["Answer", "Citation", "Assistant", "QuestionError", "Hit", "Retriever"]
