"""Why a discussion operation was refused."""


class DiscussionError(ValueError):
    """Refused; ``key`` (under ``discussion_error.``) and ``values`` make its message.

    ``status`` is the HTTP status a web caller should answer with.
    """

    def __init__(self, key, status=400, **values):
        super().__init__(key)
        self.key = key
        self.status = status
        self.values = values
