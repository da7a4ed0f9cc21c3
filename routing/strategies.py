"""How an agent is picked among candidates. Pure: snapshots in, an agent id out."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class AgentLoad:
    agent_id: int
    available: bool  # the agent's routing switch
    online: bool  # an inbox socket connected (routing.presence)
    open_count: int
    capacity: int
    last_assigned_ts: float  # 0 when never assigned: those go first

    @property
    def has_room(self) -> bool:
        return self.available and self.online and self.open_count < self.capacity


class Strategy(Protocol):
    def pick(self, candidates: Sequence[AgentLoad]) -> int | None: ...


class RoundRobin:
    """Even distribution: fewest open conversations first, then whoever waited longest."""

    def pick(self, candidates: Sequence[AgentLoad]) -> int | None:
        free = [c for c in candidates if c.has_room]
        best = min(free, key=lambda c: (c.open_count, c.last_assigned_ts, c.agent_id), default=None)
        return best.agent_id if best else None
