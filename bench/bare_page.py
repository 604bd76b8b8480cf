"""The reference page for the page-load benchmark: a bare Gradio Blocks with one text box
and one button, launched as the app is (`python bench/bare_page.py`, port from
GRADIO_SERVER_PORT)."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

with gr.Blocks() as demo:
    box = gr.Textbox(label="Prompt", elem_id="prompt")
    button = gr.Button("Generate")
    button.click(lambda text: text, box, box)

if __name__ == "__main__":
    demo.launch(
        server_name="127.0.0.1", server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    )
