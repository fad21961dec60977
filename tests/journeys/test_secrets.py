"""The SASL password is a secret: masked wherever settings are dumped, intact where a worker needs it."""

from __future__ import annotations

from consumers.api import _settings_json
from journeys.settings import KafkaSettings, Settings


def _secured() -> Settings:
    return Settings(kafka=KafkaSettings(sasl_mechanism="PLAIN", sasl_username="u", sasl_password="p4ss"))


def test_the_password_is_masked_in_dumps_and_reprs() -> None:
    settings = _secured()
    assert "p4ss" not in settings.model_dump_json()
    assert "p4ss" not in repr(settings)
    assert settings.kafka.client_config()["sasl_plain_password"] == "p4ss"


def test_a_stitcher_worker_gets_the_settings_with_the_password() -> None:
    settings = _secured()
    restored = Settings.model_validate_json(_settings_json(settings))
    assert restored == settings
    assert restored.kafka.client_config()["sasl_plain_password"] == "p4ss"
