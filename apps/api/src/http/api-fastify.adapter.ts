import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyServerOptions } from 'fastify';

/** A route as the HTTP server serves it (`:name` parameters, full path). */
export interface ServedRoute {
  method: string;
  path: string;
}

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * The API's HTTP server: Fastify, noting every route it registers (the route-table test walks
 * them), optionally on a server that is already listening (see `openPort`). Adopted, Nest's
 * `listen` hands the server's requests to Fastify instead of binding the port again, so the port
 * stays open from the first moments of the process; closing the application closes it.
 */
export class ApiFastifyAdapter extends FastifyAdapter {
  readonly routes: ServedRoute[] = [];
  private readonly adopted?: { server: Server; handler?: RequestHandler };

  constructor(options: FastifyServerOptions, server?: Server) {
    const adopted: { server: Server; handler?: RequestHandler } | undefined = server && { server };
    super({
      ...options,
      ...(adopted && {
        serverFactory: (handler: RequestHandler) => {
          adopted.handler = handler;
          return adopted.server;
        },
      }),
    });
    this.adopted = adopted;
    this.getInstance().addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) this.routes.push({ method, path: route.url });
    });
  }

  override listen(port: string | number, ...args: unknown[]): void {
    if (!this.adopted) {
      (super.listen as (port: string | number, ...rest: unknown[]) => void)(port, ...args);
      return;
    }
    const { server, handler } = this.adopted;
    const callback = args.find((arg): arg is (error?: Error) => void => typeof arg === 'function');
    this.getInstance()
      .ready()
      .then(
        () => {
          server.removeAllListeners('request');
          server.on('request', handler!);
          callback?.();
        },
        (error: Error) => callback?.(error),
      );
  }

  override async close(): Promise<undefined> {
    await super.close();
    const server = this.adopted?.server;
    if (server?.listening) await new Promise((resolve) => server.close(resolve));
    return undefined;
  }
}
