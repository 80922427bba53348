"""`manage.py run_simulators`: the simulator of every registered tool, for the demo and for
benchmarks (`--exact-port 8701 --octopus-port 8702 --yuki-port 8703`)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

from bookkeeping.tools import TOOLS


class Command(BaseCommand):
    help = "Run the simulator of every bookkeeping tool on local ports until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        for tool in TOOLS.values():
            parser.add_argument(
                f"--{tool.cli_name or tool.key}-port",
                dest=f"{tool.key}_port",
                type=int,
                default=tool.simulator_port,
                help=f"Port of the {tool.label} simulator (default {tool.simulator_port})",
            )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--latency-ms", type=float, default=0, help="Delay added to every call")

    def handle(self, *args: Any, **options: Any) -> None:
        host, latency = options["host"], options["latency_ms"]
        simulators = [
            import_string(tool.simulator)(
                host=host, port=options[f"{tool.key}_port"], latency_ms=latency
            )
            for tool in TOOLS.values()
        ]
        for simulator in simulators:
            simulator.start()
            self.stdout.write(f"{simulator.name} simulator at {simulator.base_url}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            for simulator in simulators:
                simulator.stop()
