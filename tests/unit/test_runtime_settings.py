"""A service's settings: typed, read once when the container starts, a bad value refuses to start naming its key."""
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from services.filings.settings import FilingsSettings
from services.mailbox.settings import MailboxSettings
from services.runtime.config import (ConfigurationError, ServiceSettings, Setting, SettingsProvider, at_least,
                                     between, positive, time_zone)
from services.runtime.timers import ConfigTimer


def test_defaults_and_configured_values_are_typed():
    settings = MailboxSettings({"DEEMED_SERVICE_DAYS": "5", "LAPSE_JOB_INTERVAL": "1.5", "RPC_TIMEOUT": ""})
    assert settings.deemed_days == 5 and settings.lapse_interval == 1.5 and settings.rpc_timeout == 10.0
    assert settings.tz == ZoneInfo("America/Guatemala") and settings.tz_name == "America/Guatemala"
    assert settings.lapse_budget == 5  # a lapse run keeps serving batches for its interval, at least 5 s
    assert MailboxSettings({"LAPSE_JOB_INTERVAL": "90"}).lapse_budget == 90
    filings = FilingsSettings({"MAX_DOCUMENT_BYTES": 3145728, "COURT_TIMEZONE": "America/Mexico_City"})
    assert filings.max_document_bytes == 3145728 and filings.max_documents_per_filing == 10
    assert filings.court_timezone == "America/Mexico_City"


@pytest.mark.parametrize("config, key", [
    ({"DEEMED_SERVICE_DAYS": "0"}, "DEEMED_SERVICE_DAYS"),
    ({"DEEMED_SERVICE_DAYS": "31"}, "DEEMED_SERVICE_DAYS"),
    ({"DEEMED_SERVICE_DAYS": "tres"}, "DEEMED_SERVICE_DAYS"),
    ({"COURT_TIMEZONE": "Marte/Base"}, "COURT_TIMEZONE"),
    ({"LAPSE_JOB_INTERVAL": "0"}, "LAPSE_JOB_INTERVAL"),
    ({"RPC_TIMEOUT": "-2"}, "RPC_TIMEOUT"),
])
def test_a_bad_value_is_refused_naming_its_key(config, key):
    with pytest.raises(ConfigurationError) as raised:
        MailboxSettings(config)
    assert raised.value.key == key and key in str(raised.value)
    assert str(raised.value).startswith("Configuración inválida")


def test_filings_limits_must_be_positive():
    for key in ("MAX_DOCUMENT_BYTES", "MAX_DOCUMENTS_PER_FILING"):
        with pytest.raises(ConfigurationError, match=key):
            FilingsSettings({key: "0"})


def test_checks_and_types():
    assert at_least(1)(1) is None and at_least(1)(0)
    assert between(1, 3)(3) is None and "entre 1 y 3" in between(1, 3)(4)
    assert positive(0.1) is None and positive(0)
    with pytest.raises(ValueError):
        time_zone("Nowhere/Else")


def test_settings_are_inherited_and_built_when_the_container_is_set_up():
    class Base(ServiceSettings):
        timeout = Setting("TIMEOUT", 2, float, positive)

    class Own(Base):
        size = Setting("SIZE", 4, int, at_least(1))

    provider = SettingsProvider(Own)
    provider.container = SimpleNamespace(config={"SIZE": "8"})
    provider.setup()
    settings = provider.get_dependency(None)
    assert (settings.timeout, settings.size) == (2.0, 8)
    assert provider.get_dependency(None) is settings  # one instance for every worker
    provider.container = SimpleNamespace(config={"TIMEOUT": "0"})
    with pytest.raises(ConfigurationError, match="TIMEOUT"):
        provider.setup()


def test_a_config_timer_takes_its_interval_from_the_configuration():
    timer = ConfigTimer("JOB_INTERVAL", 60)
    assert timer.setting.read(SimpleNamespace(get=lambda key, default: "2.5")) == 2.5
    with pytest.raises(ConfigurationError, match="JOB_INTERVAL"):
        timer.setting.read(SimpleNamespace(get=lambda key, default: "0"))
