"""The render farm: requirements, capabilities, scheduler, persistent job queue."""
