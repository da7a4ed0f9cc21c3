"""Flow writes and the flow runtime. `grep -rn "def flow_" flows/services` lists every use case.

- builder: `flow_create`, `flow_update_draft`, `flow_publish`, `flow_unpublish`, `flow_delete`,
  `flow_replace_all` (the workspace document's import);
- runtime, called by `conversations.turns` and `conversations.tasks`:
  `flow_handle_message`, `flow_takes_as_answer`, `flow_start_for_new_conversation`, `flow_resume_effect` (the
  webhook task); `flow_end_runs` lives in `flows.ending` (csat's Resolve calls it) and is
  re-exported here;
- the builder's test panel: `flow_test_run` (reads only).
"""
from flows.ending import flow_end_runs
from flows.services.builder import (
    flow_create,
    flow_delete,
    flow_publish,
    flow_replace_all,
    flow_unpublish,
    flow_update_draft,
)
from flows.services.runs import (
    flow_handle_message,
    flow_resume_effect,
    flow_start_for_new_conversation,
    flow_takes_as_answer,
)
from flows.services.simulate import flow_test_run

__all__ = [
    "flow_create", "flow_delete", "flow_end_runs", "flow_handle_message", "flow_publish", "flow_replace_all",
    "flow_resume_effect", "flow_start_for_new_conversation", "flow_takes_as_answer", "flow_test_run", "flow_unpublish",
    "flow_update_draft",
]
