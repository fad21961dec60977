"""The app object for ``uvicorn --workers N`` (each worker builds its own from the environment)."""

from journeys.settings import Settings
from producers.collector.app import create_app

app = create_app(Settings())
