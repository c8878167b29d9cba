import type { Server } from 'node:http';
import { ExpressAdapter } from '@nestjs/platform-express';

/**
 * Express on a server that is already listening (see `openPort`): Nest's `listen` hands the
 * server's requests to the application instead of binding the port again, so the port stays open
 * from the first moments of the process. Closing the application closes the server as usual.
 */
export class AdoptingExpressAdapter extends ExpressAdapter {
  constructor(private readonly server: Server) {
    super();
  }

  override initHttpServer(): void {
    this.setHttpServer(this.server);
  }

  override listen(_port: string | number, ...args: unknown[]): Server {
    const callback = args.find((arg): arg is () => void => typeof arg === 'function');
    this.server.removeAllListeners('request');
    this.server.on('request', this.getInstance());
    if (callback) process.nextTick(callback);
    return this.server;
  }
}
