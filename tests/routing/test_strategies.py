from routing.strategies import AgentLoad, RoundRobin


def load(agent_id, open_count=0, capacity=5, online=True, ts=0.0):
    return AgentLoad(agent_id=agent_id, online=online, open_count=open_count, capacity=capacity, last_assigned_ts=ts)


def test_fewest_open_conversations_first():
    assert RoundRobin().pick([load(1, 3), load(2, 1), load(3, 2)]) == 2


def test_ties_go_to_whoever_waited_longest():
    assert RoundRobin().pick([load(1, 1, ts=50.0), load(2, 1, ts=10.0)]) == 2


def test_offline_and_full_agents_are_skipped():
    assert RoundRobin().pick([load(1, online=False), load(2, 5, capacity=5), load(3, 4)]) == 3


def test_nobody_eligible():
    assert RoundRobin().pick([load(1, online=False), load(2, 2, capacity=2)]) is None
    assert RoundRobin().pick([]) is None
