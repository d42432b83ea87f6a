"""Run the gateway under gunicorn, from Python (no shell, no dev server)."""

from gunicorn.app.base import BaseApplication

from auth_gateway.mail import DeliveryThread


class _Gunicorn(BaseApplication):
    def __init__(self, app, options):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def run(app, *, host, port, workers):
    """Serve ``app`` on host:port with ``workers`` sync worker processes; the master
    process delivers queued e-mails in a background thread."""
    # Workers are forked from this process: none may inherit an open database connection.
    app.extensions["entrepairs"].database.dispose()
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "accesslog": "-",
        "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
        "timeout": 60,
        "when_ready": lambda _arbiter: DeliveryThread(app).start(),
    }
    _Gunicorn(app, options).run()
