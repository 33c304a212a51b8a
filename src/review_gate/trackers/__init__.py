"""Where an issue's comments live: github (PyGithub), local (SQLite), export (a JSON file)."""
