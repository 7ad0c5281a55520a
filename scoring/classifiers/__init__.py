"""Intent classifiers: the protocol (base), the offline heuristic, the OpenAI provider, and the
factory that picks one from settings (factory). Importing the package imports no Django."""
