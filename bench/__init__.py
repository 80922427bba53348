"""`make bench`: what a sync costs in calls to the tool, time and memory, and what the invoice
overview costs at 100,000 invoices. Run as `python -m bench` (see PERFORMANCE.md)."""
