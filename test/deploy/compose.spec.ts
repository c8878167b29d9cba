/**
 * `docker compose config` cannot run on the build machines (no Docker engine), so the compose
 * files are checked here: services, the one app image, healthchecks, restart policies, the
 * environment the apps and the tests need, and no PostgreSQL published on the host by default.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  profiles?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] | string };
  restart?: string;
  command?: string[];
  entrypoint?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const root = join(__dirname, '../..');
const load = (file: string): Compose =>
  parse(readFileSync(join(root, 'docker', file), 'utf8'), { merge: true }) as Compose;
const compose = load('compose.yaml');
const { services } = compose;
const apps = ['api', 'projector', 'cli'];
/** The container port of a `ports` entry: "127.0.0.1:5433:5432" -> 5432. */
const containerPort = (entry: string): number => Number(entry.split(':').pop()!.split('/')[0]);

describe('docker/compose.yaml', () => {
  it('defines the stores, the three apps and the test runner', () => {
    for (const name of ['kurrentdb', 'postgres', ...apps, 'tests']) {
      expect(services[name]).toBeDefined();
    }
  });

  it('runs the api, projector and cli from one image built from one Dockerfile stage', () => {
    const images = new Set(apps.map((name) => services[name].image));
    expect(images.size).toBe(1);
    const builds = new Set(apps.map((name) => JSON.stringify(services[name].build)));
    expect(builds.size).toBe(1);
    const build = services.api.build!;
    const dockerfile = readFileSync(join(root, 'docker', build.context, build.dockerfile), 'utf8');
    expect(dockerfile).toMatch(new RegExp(`^FROM .* AS ${build.target}$`, 'm'));
    expect(dockerfile).toMatch(/^FROM .* AS test$/m);
    expect(services.tests.build?.target).toBe('test');
  });

  it('starts each app from a file the build produces', () => {
    const entry = (s: Service): string =>
      [...(s.entrypoint ?? []), ...(s.command ?? [])].find((p) => p.endsWith('.js')) ??
      'dist/apps/api/src/main.js';
    for (const name of apps) {
      const file = entry(services[name]);
      const source = file.startsWith('dist/')
        ? file.replace(/^dist\//, '').replace(/\.js$/, '.ts')
        : file;
      expect(existsSync(join(root, source))).toBe(true);
    }
  });

  it('has healthchecks (the API on /health/ready) and restart policies for long-running services', () => {
    expect(JSON.stringify(services.api.healthcheck?.test)).toContain('/health/ready');
    expect(JSON.stringify(services.postgres.healthcheck?.test)).toContain('pg_isready');
    expect(JSON.stringify(services.kurrentdb.healthcheck?.test)).toContain('/health/live');
    for (const name of ['api', 'projector', 'postgres', 'kurrentdb']) {
      expect(services[name].restart).toBe('unless-stopped');
    }
  });

  it('gives the api, projector and cli one named volume for their key files (master and audit signing key)', () => {
    // The keys default to ./data (/app/data in the image) outside the embedded store: a volume per
    // container, or none, would give each app a master key of its own.
    for (const name of apps) {
      expect(services[name].volumes).toEqual(['aftercare-keys:/app/data']);
    }
    expect(compose.volumes).toHaveProperty('aftercare-keys');
  });

  it('does not publish PostgreSQL on the host by default; the override binds it to loopback', () => {
    for (const service of Object.values(services)) {
      expect((service.ports ?? []).map(containerPort)).not.toContain(5432);
    }
    const override = load('compose.host-postgres.yaml').services.postgres.ports ?? [];
    expect(override).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+:5432$/)]);
  });

  it('points the apps and the tests at the compose servers with the credentials postgres is given', () => {
    const pg = services.postgres.environment!;
    const expected = `postgres://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`;
    for (const name of [...apps, 'tests']) {
      const env = services[name].environment!;
      expect(env.DATABASE_URL).toBe(expected);
      expect(env.EVENTSTORE_URL).toBe('esdb://kurrentdb:2113?tls=false');
      expect(services[name].depends_on).toMatchObject({
        postgres: { condition: 'service_healthy' },
        kurrentdb: { condition: 'service_healthy' },
      });
    }
    for (const name of apps)
      expect(services[name].environment!.AFTERCARE_STORE).toBe('eventstoredb');
    expect(services.tests.environment!.CI).toBe('true');
    expect(services.tests.command).toEqual(['npm', 'run', 'test:contract']);
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, builds, data and history out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split(/\r?\n/);
    for (const entry of ['**/node_modules', 'dist', 'data', '.git']) {
      expect(ignored).toContain(entry);
    }
  });
});
