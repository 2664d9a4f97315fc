"""The agent workspace's HTML views: they translate HTTP to selector and service calls and back."""
