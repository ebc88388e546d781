"""``aiusage top``: a live terminal monitor over the app facade (extra ``tui``: Textual).

``model`` turns the dashboard facade's answers into a snapshot, ``feed`` reads it on a
thread of its own and watches the store for changes, ``panels``/``chart``/``format``
draw it as text, and ``monitor.TopApp`` is the Textual app that ties keys to views.
Nothing here is imported until the command runs.
"""
