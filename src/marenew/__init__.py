"""marenew: where each of a medical assistant's certifications stands."""

__version__ = "0.1.0"
