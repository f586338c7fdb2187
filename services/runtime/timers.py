"""A nameko timer whose interval comes from the configuration (``@config_timer("KEY", default)``).

nameko's ``@timer(interval=...)`` fixes the interval when the class is defined;
this one reads ``KEY`` from the service's configuration when the container is
set up, so a deployment (or the test suite) can run a job every second or every
minute without a code change. A value that is not a positive number of seconds
refuses to start, naming the key.
"""
from nameko.timer import Timer

from services.runtime.config import Setting, Settings, positive


class ConfigTimer(Timer):
    def __init__(self, key, default, eager=False, **kwargs):
        self.setting = Setting(key, default, float, positive)
        super().__init__(interval=default, eager=eager, **kwargs)

    def setup(self):
        super().setup()
        self.interval = self.setting.read(Settings(self.container.config))


config_timer = ConfigTimer.decorator
