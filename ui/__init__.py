"""The page's parts, one module each: `single` (one image), `gallery` (this session's images).

Each part has a builder that lays it out inside the current Blocks, wires its own events and
returns the few components other parts touch. `app.py` composes them. No part names a Space:
they ask `canvas` and the registry.
"""
