"""The delivery schema refuses bad destinations and cadences when the config loads, each
with one clear error naming the file; nothing is looked up or sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from xpulse_delivery_config import write_delivery

from xpulse.config.delivery import parse_cadence
from xpulse.config.settings import load_config
from xpulse.errors import ConfigError


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[delivery.email]\nhost = "smtp .x"\nsender = "a@b.co"\nrecipients = ["c@d.co"]',
         "delivery.email: the SMTP host 'smtp .x' is not a host name"),
        ('[delivery.email]\nhost = "smtp.x.com"\nsender = "a@b.co"\nrecipients = ["nobody"]',
         "delivery.email: 'nobody' is not a valid email address"),
        ('[delivery.email]\nhost = "smtp.x.com"\nsender = "a@b.co"\nrecipients = []',
         "delivery.email: the email destination needs a list of one or more recipients"),
        ('[delivery.email]\nhost = "smtp.x.com"\nsecurity = "none"\nsender = "a@b.co"\n'
         'recipients = ["c@d.co"]', "sends in clear"),
        ('[delivery.slack]\nwebhook_url_env = "lower-case"', "is not an environment variable"),
        ('[delivery.slack]\nwebhook_url = "https://hooks.slack.com/x"', "webhook_url: Extra"),
        ('[delivery.files]\nfolder = "out"\nformats = ["odt"]', "unknown file format 'odt'"),
        ('cadence = "every blue moon"', "cadence 'every blue moon' is not understood"),
        ('[delivery.alerts]\nchannel = "email"', "alerts go to email, but [delivery.email]"),
    ],
)  # fmt: skip
def test_bad_destinations_fail_at_load(isolated_env: Path, extra: str, message: str) -> None:
    write_delivery(isolated_env, extra)
    with pytest.raises(ConfigError) as err:
        load_config()
    assert message in str(err.value)
    assert str(err.value).startswith(str(isolated_env / "config.toml"))


@pytest.mark.parametrize(
    ("text", "days", "dom", "hm"),
    [
        ("weekly on Monday at 09:00", (0,), None, (9, 0)),
        ("weekly on mon, thu at 8:30", (0, 3), None, (8, 30)),
        ("daily at 23:59", (), None, (23, 59)),
        ("monthly on day 28 at 06:00", (), 28, (6, 0)),
    ],
)
def test_cadences(text: str, days: tuple[int, ...], dom: int | None, hm: tuple[int, int]) -> None:
    c = parse_cadence(text)
    assert (c.weekdays, c.day_of_month, (c.hour, c.minute)) == (days, dom, hm)


@pytest.mark.parametrize(
    "text", ["weekly on mo at 09:00", "daily at 24:00", "monthly on day 31 at 09:00", "weekly"]
)
def test_bad_cadences(text: str) -> None:
    with pytest.raises(ValueError, match="cadence"):
        parse_cadence(text)
