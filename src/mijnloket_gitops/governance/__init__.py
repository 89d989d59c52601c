"""Governance: rules about when and under which conditions a plan may be applied.

- :mod:`.windows_config`: the ``windows:`` settings of ``mijnloket-gitops.yaml`` and
  their checks at load time (positions in the configuration file);
- :mod:`.schedule`: when a window is in effect (RFC 5545 recurrence rules through
  ``python-dateutil``, in the window's time zone);
- :mod:`.window_check`: which planned employers a window blocks right now, as
  :class:`.blocks.WindowBlock` values the plan carries and apply enforces;
- :mod:`.clock`: the one place that reads the current time (tests replace it).
"""
