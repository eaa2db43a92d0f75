"""Config: model, loading with file:line errors, secrets from files and environment.

Import from the modules: ``load_config`` in ``watchdog.config.load`` (it needs the probe
registry, whose kinds in turn import the field types defined here), the models in
``watchdog.config.model`` and ``watchdog.config.alerting`` (which needs the receiver registry).
"""
