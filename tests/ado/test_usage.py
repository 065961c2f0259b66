"""What a run costs: requests counted by the transport, rate-limit readings kept, and the plan's
budget as witsync plan shows it (against the emulator, which sends X-RateLimit-* headers when
it is given a rate limit)."""

from __future__ import annotations

import json

from apply_support import desired, item, open_board, plan_for

from witsync.ado.usage import Usage
from witsync.emulator.faults import EmulatorOptions
from witsync.rendering.common import budget_line, rate_limit_lines
from witsync.rendering.json import render_json
from witsync.rendering.markdown import render_markdown
from witsync.rendering.planfile import dump_plan, load_plan
from witsync.rendering.text import render_plain


def test_usage_keeps_the_first_and_last_readings_and_sums_delays() -> None:
    usage = Usage()
    usage.observe({})  # most answers carry no rate-limit headers
    assert usage.budget().rate_limit is None
    usage.observe({"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "150"})
    usage.observe({"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "not a number"})
    usage.observe(
        {"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "120", "X-RateLimit-Delay": "0.25"}
    )
    usage.observe({"X-RateLimit-Delay": "0.5"})  # delayed answers may carry only this one
    use = usage.budget().rate_limit
    assert use is not None
    assert (use.limit, use.remaining_first, use.remaining_last, use.answers) == (200, 150, 120, 2)
    assert use.used == 30
    assert use.delayed_s == 0.75


async def test_a_plan_carries_its_request_count_without_rate_limit_headers() -> None:
    board = open_board()
    want = desired(item("epic", type="Epic"), item("story", parent="epic"))
    plan = await plan_for(board, want)
    assert plan.budget is not None
    assert plan.budget.requests == len(board.requests) > 0
    assert plan.budget.rate_limit is None
    assert f"requests: {len(board.requests)} to read the board" in render_plain(plan)
    assert f"Requests: {len(board.requests)} to read the board" in render_markdown(plan)
    assert "stayed well below" in rate_limit_lines(plan.budget)[0]


async def test_rate_limit_headers_become_an_estimate_of_the_run_cost() -> None:
    # The emulator counts requests as its usage unit: each answer lowers Remaining by one.
    board = open_board(EmulatorOptions(rate_limit=1000))
    plan = await plan_for(board, desired(*(item(f"s{n}") for n in range(3))))
    assert plan.budget is not None
    assert plan.budget.rate_limit is not None
    sent = len(board.requests)
    use = plan.budget.rate_limit
    assert use.limit == 1000
    assert use.answers == sent
    assert (use.remaining_first, use.remaining_last) == (1000 - 1, 1000 - sent)
    assert use.used == sent - 1
    (line,) = rate_limit_lines(plan.budget)
    assert f"about {sent - 1} of 1000 TSTUs used while planning" in line
    assert "about 1 TSTU a request" in line


async def test_the_budget_is_in_the_json_plan_and_survives_a_plan_file() -> None:
    board = open_board(EmulatorOptions(rate_limit=1000))
    plan = await plan_for(board, desired(item("story")))
    document = json.loads(render_json(plan))
    assert document["budget"]["requests"] == len(board.requests)
    assert document["budget"]["rate_limit"]["used"] == len(board.requests) - 1
    again = load_plan(dump_plan(plan))  # the schema check accepts it, and it comes back
    assert again.budget == plan.budget
    assert budget_line(again.budget) == budget_line(plan.budget)  # type: ignore[arg-type]
