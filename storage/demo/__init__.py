"""The demo catalogue shipped in the package (demo.yaml): `atendimento demo`."""
from storage.demo.loader import DEMO_FILE, RealCatalogueFound, load_demo, shift_history

__all__ = ["DEMO_FILE", "RealCatalogueFound", "load_demo", "shift_history"]
