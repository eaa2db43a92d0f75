"""``make demo``: a real local stack on loopback with monitor-watchdog watching all of it.

Run ``python -m devstack.demo --help``; docs/demo.md explains what runs where and which
failures to try.
"""
