"""The per-visitor fair share on its own: admission, a run's line, cancellation."""

from __future__ import annotations

import asyncio

import pytest

from canvas.fair_share import FairShare, VisitorBusyError, visitor_key


def test_a_visitor_is_the_user_then_the_token_then_the_address():
    assert visitor_key("ada", "tok", "10.0.0.1") == "user:ada"
    token_key = visitor_key(None, "secret-ip-token", "10.0.0.1")
    assert token_key.startswith("token:") and "secret-ip-token" not in token_key
    assert token_key == visitor_key(None, "secret-ip-token", "10.0.0.2")
    assert token_key != visitor_key(None, "other-token", "10.0.0.1")
    assert visitor_key(None, None, "10.0.0.1") == "address:10.0.0.1"


def test_a_request_over_the_limit_is_refused_at_once_and_others_are_not_touched():
    async def scenario():
        share = FairShare(per_visitor=2)
        async with share.job("a"), share.job("a"):
            with pytest.raises(VisitorBusyError) as refused:
                async with share.job("a"):
                    pass
            assert "2 images" in refused.value.message
            async with share.job("b"), share.job("b"):  # another visitor: own slots
                assert share.in_use("b") == 2
            assert share.in_use("a") == 2
        assert share.in_use("a") == 0
        async with share.job("a"):  # slots come back
            pass

    asyncio.run(scenario())


def test_a_run_makes_its_jobs_up_to_the_limit_at_once_and_the_rest_wait_in_its_line():
    async def scenario():
        share = FairShare(per_visitor=4)
        running, most = 0, 0
        release = asyncio.Event()

        async def one(run):
            nonlocal running, most
            async with run.job():
                running += 1
                most = max(most, running)
                await release.wait()
                running -= 1

        async with share.run("a") as run:
            tasks = [asyncio.create_task(one(run)) for _ in range(6)]
            while running < 4:
                await asyncio.sleep(0)
            assert share.in_use("a") == 4
            with pytest.raises(VisitorBusyError):  # a new request of the same visitor
                async with share.job("a"):
                    pass
            async with share.job("b"):  # anyone else goes straight on
                pass
            release.set()
            await asyncio.gather(*tasks)
        assert most == 4 and share.in_use("a") == 0

    asyncio.run(scenario())


def test_a_job_cancelled_while_waiting_in_line_gives_no_slot_away():
    async def scenario():
        share = FairShare(per_visitor=1)
        async with share.run("a") as run:
            async with run.job():
                waiting = asyncio.create_task(_enter(run))
                await asyncio.sleep(0)
                waiting.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await waiting
            async with run.job():  # the run's own slot is there again
                pass
        assert share.in_use("a") == 0

    asyncio.run(scenario())


async def _enter(run):
    async with run.job():
        pass


def test_the_limit_must_be_positive():
    with pytest.raises(ValueError):
        FairShare(per_visitor=0)
