import type { INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PUBLIC_METADATA, ROLES, ROLES_METADATA, type Role } from '@aftercare/application';
import { createApiApp } from '../../apps/api/src/bootstrap';
import type { ApiFastifyAdapter } from '../../apps/api/src/http/api-fastify.adapter';
import { bearer, createApiKey } from '../support/auth';

/**
 * Mounted on Fastify directly and public by design: the OpenAPI document and Swagger UI, and the
 * web console's files (it signs in and calls the API like any client).
 */
const PUBLIC_DOCUMENTS = /^\/(docs(-json|-yaml)?|console)(\/|$)/;

interface Declared {
  roles: Role[] | undefined;
  isPublic: boolean;
}

interface RegisteredRoute {
  method: string;
  path: string;
}

/** What the controllers declare, by `METHOD /path`, read from Nest's own metadata. */
function declarations(app: INestApplication): Map<string, Declared> {
  const result = new Map<string, Declared>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!type) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler = (type.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const sub = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
        const path =
          '/' +
          [base, sub]
            .map((p) => p.replace(/^\/|\/$/g, ''))
            .filter(Boolean)
            .join('/');
        const lookup = <T>(key: string): T | undefined =>
          (Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, type)) as T | undefined;
        result.set(`${RequestMethod[method]} ${path}`, {
          roles: lookup<Role[]>(ROLES_METADATA),
          isPublic: lookup<boolean>(PUBLIC_METADATA) === true,
        });
      }
    }
  }
  return result;
}

/**
 * Every route the HTTP server actually serves, as Fastify registered them after Nest and the
 * plugins did; a HEAD route Fastify adds beside each GET is the GET's.
 */
function registeredRoutes(app: INestApplication): RegisteredRoute[] {
  const routes = (app.getHttpAdapter() as ApiFastifyAdapter).routes;
  const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.path));
  return routes.filter((r) => r.method !== 'HEAD' || !gets.has(r.path));
}

/** The status of a request, read as soon as the headers arrive (streams are not waited for). */
function statusOf(
  baseUrl: string,
  route: RegisteredRoute,
  headers: Record<string, string> = {},
): Promise<number> {
  const url = baseUrl + route.path.replace(/:(\w+)/g, 'route-table-$1');
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: route.method, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      },
    );
    req.on('error', reject);
    req.end(route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}');
  });
}

describe('the route table', () => {
  let dir: string;
  let app: INestApplication;
  let baseUrl: string;
  const keys = new Map<Role, string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-routes-'));
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    app = await createApiApp({ logger: false });
    for (const role of ROLES) keys.set(role, await createApiKey(app, role));
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('declares who may call every route Nest registers', () => {
    const declared = declarations(app);
    const routes = registeredRoutes(app);
    expect(routes.length).toBeGreaterThan(30);
    const undeclared = routes
      .filter((r) => !PUBLIC_DOCUMENTS.test(r.path))
      .map((r) => `${r.method} ${r.path}`)
      .filter((route) => {
        const d = declared.get(route);
        return !d || (!d.isPublic && !(d.roles && d.roles.length > 0));
      });
    expect(undeclared).toEqual([]);
  });

  it('answers 401 problem+json without a key and 403 to a role the route does not admit', async () => {
    const declared = declarations(app);
    const failures: string[] = [];
    for (const route of registeredRoutes(app)) {
      const name = `${route.method} ${route.path}`;
      const d = declared.get(name);
      if (!d || d.isPublic) continue;
      const admitted = d.roles ?? [];
      const anonymous = await statusOf(baseUrl, route);
      if (anonymous !== 401) failures.push(`${name}: ${anonymous} without a key`);
      const bad = await statusOf(baseUrl, route, { authorization: 'Bearer ak_0000000000000000_x' });
      if (bad !== 401) failures.push(`${name}: ${bad} with an unknown key`);
      const outsider = ROLES.find((r) => r !== 'admin' && !admitted.includes(r));
      if (outsider) {
        const status = await statusOf(baseUrl, route, bearer(keys.get(outsider)!));
        if (status !== 403) failures.push(`${name}: ${status} for ${outsider}`);
      }
      for (const role of ['admin' as const, ...admitted]) {
        const status = await statusOf(baseUrl, route, bearer(keys.get(role)!));
        if (status === 401 || status === 403) failures.push(`${name}: ${status} for ${role}`);
      }
    }
    expect(failures).toEqual([]);
    // About five requests per route; a loaded machine needs more than the default 30 s.
  }, 120_000);

  it('serves liveness without a key and says why a call is refused', async () => {
    expect(await statusOf(baseUrl, { method: 'GET', path: '/health/live' })).toBe(200);
    expect(await statusOf(baseUrl, { method: 'GET', path: '/health/ready' })).not.toBe(401);
    const anonymous = await fetch(`${baseUrl}/v1/customers`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await anonymous.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    const agent = await fetch(`${baseUrl}/v1/customers`, { headers: bearer(keys.get('agent')!) });
    expect(agent.status).toBe(403);
    expect(agent.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await agent.json()).toMatchObject({ status: 403, code: 'forbidden' });
  });
});
