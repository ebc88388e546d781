"""``aiusage demo`` and ``aiusage fake-server``: everything working without a key."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

import aiusage.app as facade
from aiusage.cli.common import fail, out

Days = Annotated[int, typer.Option("--days", help="Days of synthetic history.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed of the synthetic data.")]


def register(app: typer.Typer) -> None:
    app.command(name="demo")(demo)
    app.command(name="fake-server")(fake_server)


def demo(
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Folder for the demo's config, database and logs (default: aiusage's own "
            "folder, when it holds no real data yet).",
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Set up and collect once, then exit.")
    ] = False,
    days: Days = 30,
    seed: Seed = 1,
) -> None:
    """A demo home: a month of Claude Code and Codex logs, and provider accounts on fake
    servers (OpenAI, Anthropic, OpenRouter, DeepSeek, Groq, Ollama, vLLM, Copilot).
    It then keeps collecting and adds new turns every 15 s until Ctrl-C, so every view
    updates live; `--once` collects once and exits."""
    try:
        application, made, fleet = facade.start_demo(home, days=days, seed=seed)
    except facade.AiusageError as exc:
        fail(exc)
    try:
        if made.turns_written:
            out.print(f"Wrote {made.turns_written:,} agent turns over {days} days.")
        scan = application.refresh()
        results = application.accounts.collect()
        ok = sum(r.status == "ok" for r in results)
        out.print(
            f"Read {scan.events_written:,} new agent records; collected {ok} of "
            f"{len(results)} accounts on fake providers."
        )
        for r in results:
            if r.status != "ok":
                out.print(f"  [yellow]{r.status}[/] {escape(r.account)}: {escape(r.message)}")
        env = "" if home is None else f"AIUSAGE_HOME={made.home} "
        if made.key_env:
            out.print(
                "[dim]No OS keyring here: the demo's fake keys are in this process's "
                "environment only.[/]"
            )
        out.print(
            f"Try: [bold]{env}aiusage[/], {env}aiusage daily --breakdown, "
            f"{env}aiusage status, {env}aiusage limits, {env}aiusage blocks"
        )
        if once:
            fleet.stop()
            return
        out.print(
            f"Live, in another terminal while this runs: [bold]{env}aiusage serve --open[/] "
            f"(the web dashboard) or [bold]{env}aiusage top[/] (the terminal monitor)."
        )
        logging.basicConfig(
            stream=sys.stderr,
            level=logging.INFO,
            format="%(asctime)s %(message)s",
            datefmt="%H:%M:%S",
        )
        out.print("The demo keeps running (new turns every 15 s). Ctrl-C stops it.")
        facade.run_demo(application, fleet, seed)
    except facade.AiusageError as exc:
        fleet.stop()
        fail(exc)
    finally:
        application.close()


def fake_server(
    providers: Annotated[
        list[str] | None,
        typer.Argument(help="Providers to fake (default: all), e.g. openai anthropic vllm."),
    ] = None,
    chaos: Annotated[
        float,
        typer.Option(
            "--chaos",
            help="Fail this share of requests (0-1) the ways real APIs fail: 429, 500, an "
            "HTML 502, truncated JSON, a dropped connection.",
        ),
    ] = 0.0,
    days: Days = 30,
    seed: Seed = 1,
) -> None:
    """Fake providers on loopback that speak each real API (pagination, units, headers,
    errors), with seeded data up to now. Point accounts at them to try aiusage, or test
    your own tools, without a key. Runs until Ctrl-C."""
    try:
        fleet = facade.start_fakes(providers or [], days=days, seed=seed, chaos=chaos)
    except facade.AiusageError as exc:
        fail(exc)
    out.print("[bold]Fake providers[/] (an account for each: run the line below it)")
    for fake in fleet.accounts():
        command = f"aiusage accounts add {fake.provider} --name {fake.provider}-fake "
        command += f"--base-url {fake.base_url}"
        command += "".join(f" --option {k}={v}" for k, v in fake.options.items())
        if fake.key is not None:  # a public constant of the fake, not a secret
            command = f"echo {fake.key} | {command} --key-stdin"
        out.print(f"{fake.provider:<13} {fake.base_url}", markup=False, soft_wrap=True)
        out.print(f"  {command}", markup=False, soft_wrap=True, highlight=False)

    def ready() -> None:
        out.print("Serving until Ctrl-C.")
        sys.stdout.flush()

    facade.wait_forever(fleet, on_ready=ready)
