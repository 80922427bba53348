# Belgian French writes dates and numbers as Belgian Dutch does: 27/11/2026 and 1.234,56.
from config.formats.nl.formats import *  # noqa: F403
