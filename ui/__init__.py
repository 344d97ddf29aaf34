"""The web front end (Gradio) of Auskunft."""

import os

# Before gradio is imported anywhere: no usage statistics, no update checks leave the office network.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
