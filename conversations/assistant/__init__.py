"""The AI assistant engine: detectors and knowledge-base answers, pure Python (no Django).

    index = build_knowledge_index(articles)          # in a worker; index.to_bytes() to store
    bot = Assistant(KnowledgeIndex.from_bytes(data), topics, kb_threshold=None)
    analysis = bot.analyze("I want to talk to a person", history)

Models: see `models.py` (trained at setup by `python -m conversations.assistant.train`) and
`encoder.py` (MiniLM sentence embeddings, run with numpy). Figures: docs/assistant.md.
"""
from __future__ import annotations

from .engine import Assistant, TopicIndex, summarize
from .knowledge import DEFAULT_KB_THRESHOLD, KnowledgeIndex, build_knowledge_index
from .types import Analysis, Article, ArticleTranslation, KBAnswer, Sender, Signal, Topic, TopicMatch, Turn

__all__ = [
    "DEFAULT_KB_THRESHOLD", "Analysis", "Article", "ArticleTranslation", "Assistant", "KBAnswer", "KnowledgeIndex", "Sender",
    "Signal", "Topic", "TopicIndex", "TopicMatch", "Turn", "build_knowledge_index", "summarize",
]
