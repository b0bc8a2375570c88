"""The packet file (packet.yaml): reading it safely (loader), its format as pydantic models
(model), validation with every problem located (validation), adding entries without
disturbing the rest (edit), new packets from starters (starter), and page selections
(pages, a leaf every stage may use)."""
