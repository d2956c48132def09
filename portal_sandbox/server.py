"""Serve the sandbox with gunicorn: one worker process, several threads.

One process keeps the background processor and the request threads on the same
database connection settings and lets the processor be paused by a reset; threads let a
deliberately slow answer (the delay fault) coexist with other calls.
"""

from gunicorn.app.base import BaseApplication

ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s traceparent=%({traceparent}o)s %(M)sms'


def _start_processor(worker: object) -> None:
    """Start the revision processor inside the worker (threads do not survive a fork)."""
    from portal_sandbox import processing

    processing.processor_start()


def _stop_processor(server: object, worker: object) -> None:
    """Stop the processor when the worker exits; unfinished revisions resume next start."""
    from portal_sandbox import processing

    processing.processor_stop()


class SandboxServer(BaseApplication):
    """Gunicorn application serving ``portal_sandbox.wsgi``."""

    def __init__(self, *, host: str, port: int, threads: int, access_log: bool) -> None:
        self.options = {
            "bind": f"{host}:{port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": threads,
            # Requests may sleep on purpose (delay fault); gthread workers heartbeat anyway.
            "timeout": 120,
            "graceful_timeout": 3,
            # No keep-alive: a stopping worker would otherwise linger for idle connections,
            # and stopping fast matters more here (honcho, test sessions) than reuse.
            "keepalive": 0,
            "control_socket_disable": True,
            "accesslog": "-" if access_log else None,
            "access_log_format": ACCESS_LOG_FORMAT,
            "post_worker_init": _start_processor,
            "worker_exit": _stop_processor,
            "proc_name": "portal-sandbox",
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> object:
        from portal_sandbox.wsgi import application

        return application
