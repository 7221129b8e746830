"""credbot: how well is this article sourced? The engine and the app; the engine knows nothing of Telegram."""

__version__ = "0.1.0"
