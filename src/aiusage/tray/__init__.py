"""The tray icon (extra ``tray``: PySide6): status badge, cost or source count, and a menu.

``model`` decides what to show from the dashboard's overview without Qt; ``icon`` paints
it; ``controller`` wires the QSystemTrayIcon, its menu and timer; ``backend`` is the one
place that talks to the facade; ``dashboard`` finds or starts ``aiusage serve``; ``main``
is what ``aiusage tray`` runs. Importing this package imports no Qt.
"""
