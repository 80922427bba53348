"""A worker-like process for the memory measurement: `python -m bench.child [company id]`.

Starts Django, syncs the company (when given) and prints its peak RSS as JSON. Imports nothing
of Django before `django.setup()`.
"""

from __future__ import annotations

import json
import resource
import sys


def main() -> None:
    import django

    django.setup()
    booked = 0
    if len(sys.argv) > 1:
        from bookkeeping.sync import sync_company
        from invoicing.models import Company

        run = sync_company(Company.objects.get(pk=int(sys.argv[1])), trigger="nightly")
        booked = run.invoices_booked
    print(json.dumps({"rss_mb": round(peak_kb() / 1024, 1), "booked": booked}))


def peak_kb() -> int:
    """This process's peak RSS in kB: VmHWM (ru_maxrss on Linux also counts the parent's
    memory at fork time, before exec), else ru_maxrss."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    main()
