"""Host deploy: the engine's post-tasks file, edited as text (pure)."""
