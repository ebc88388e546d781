"""What the web dashboard and HTTP API compute, behind ``App.dashboard`` (dashboard_app.py).

Core code (it reads the store and the analytics); the front end in ``aiusage.web`` only
routes, validates and serialises what the facade returns.
"""
