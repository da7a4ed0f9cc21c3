from routing.strategies import AgentLoad, RoundRobin


def load(agent_id, open_count=0, capacity=5, online=True, ts=0.0, available=True):
    return AgentLoad(agent_id=agent_id, available=available, online=online, open_count=open_count, capacity=capacity,
                     last_assigned_ts=ts)


def test_fewest_open_conversations_first():
    assert RoundRobin().pick([load(1, 3), load(2, 1), load(3, 2)]) == 2


def test_ties_go_to_whoever_waited_longest():
    assert RoundRobin().pick([load(1, 1, ts=50.0), load(2, 1, ts=10.0)]) == 2


def test_offline_unavailable_and_full_agents_are_skipped():
    candidates = [load(1, online=False), load(2, available=False), load(3, 5, capacity=5), load(4, 4)]
    assert RoundRobin().pick(candidates) == 4


def test_available_but_offline_is_not_eligible_even_with_the_fewest_conversations():
    assert RoundRobin().pick([load(1, 0, online=False), load(2, 3)]) == 2


def test_nobody_eligible():
    assert RoundRobin().pick([load(1, online=False), load(2, available=False), load(3, 2, capacity=2)]) is None
    assert RoundRobin().pick([]) is None
