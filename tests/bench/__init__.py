"""``make bench``: throughput and latency of the gateway against its own isolated stack.

``run`` starts the stack, builds a case file and drives each scenario; ``loadgen``
is the load generator, run as a separate process.
"""
