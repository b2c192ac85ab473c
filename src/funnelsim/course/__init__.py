"""Course data read with ``importlib.resources``: ``glossary.csv`` and ``quizzes/<lesson>.toml``."""
