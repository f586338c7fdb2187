"""A nameko timer whose interval comes from the configuration (``@config_timer("KEY", default)``).

nameko's ``@timer(interval=...)`` fixes the interval when the class is defined;
this one reads ``KEY`` from the service's configuration when the container is
set up, so a deployment (or the test suite) can run a job every second or every
minute without a code change.
"""
from nameko.timer import Timer

from services.runtime.config import Settings


class ConfigTimer(Timer):
    def __init__(self, key, default, eager=False, **kwargs):
        self.key = key
        self.default = default
        super().__init__(interval=default, eager=eager, **kwargs)

    def setup(self):
        super().setup()
        interval = Settings(self.container.config).float(self.key, self.default)
        if interval <= 0:
            raise ValueError(f"{self.key} must be a positive number of seconds")
        self.interval = interval


config_timer = ConfigTimer.decorator
