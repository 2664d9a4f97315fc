"""The settings screens (/settings/) and the agent's preferences (/me/preferences)."""
