"""`manage.py run_simulators`: the three tool simulators, for the demo and for benchmarks."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the Exact Online, Octopus and Yuki simulators on local ports until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--exact-port", type=int, default=8701)
        parser.add_argument("--octopus-port", type=int, default=8702)
        parser.add_argument("--yuki-port", type=int, default=8703)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--latency-ms", type=float, default=0, help="Delay added to every call")

    def handle(self, *args: Any, **options: Any) -> None:
        from bookkeeping.simulators.exact_online import ExactOnlineSimulator
        from bookkeeping.simulators.octopus import OctopusSimulator
        from bookkeeping.simulators.yuki import YukiSimulator

        host, latency = options["host"], options["latency_ms"]
        simulators = [
            ExactOnlineSimulator(host=host, port=options["exact_port"], latency_ms=latency),
            OctopusSimulator(host=host, port=options["octopus_port"], latency_ms=latency),
            YukiSimulator(host=host, port=options["yuki_port"], latency_ms=latency),
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
