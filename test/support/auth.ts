import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { ApiKeys, type Role } from '@aftercare/application';

/** Creates an API key with `role` in the app's own key table and returns the whole key. */
export async function createApiKey(
  app: INestApplication,
  role: Role = 'admin',
  options: { name?: string; scopes?: string[] } = {},
): Promise<string> {
  const created = await app.get(ApiKeys).create({
    role,
    name: options.name ?? `test ${role}`,
    scopes: options.scopes,
    createdBy: 'test',
  });
  return created.key;
}

/** Headers that authenticate as `key` (for clients other than supertest, e.g. SseClient). */
export function bearer(key: string): { authorization: string } {
  return { authorization: `Bearer ${key}` };
}

/** A supertest agent whose every request carries `Authorization: Bearer <key>`. */
export function authed(app: INestApplication, key: string): TestAgent {
  return request.agent(app.getHttpServer()).set(bearer(key));
}

/** The principal id (the recorded actor) of a key: `key:<id>`. */
export function principalIdOf(key: string): string {
  return `key:${key.split('_')[1]}`;
}
