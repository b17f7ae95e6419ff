"""A small aiohttp server on a free loopback port, for the fakes of outside services."""

from __future__ import annotations

from aiohttp import web

from tests.live_server import free_port


class LoopbackService:
    """Subclasses add their routes in ``routes``; ``start`` serves them on 127.0.0.1."""

    port: int = 0
    _runner: web.AppRunner | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
