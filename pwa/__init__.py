"""The app's static files (no Python here): a package only so that the wheel carries them.

``server/pwa_routes.py`` finds this folder with ``importlib.resources.files("pwa")``, in an
installed wheel and in a source checkout alike.
"""
