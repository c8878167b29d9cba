import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { ProjectionHost } from '@aftercare/application';
import { projections } from '@aftercare/projections';
import { ProjectionEngine, type ProjectionStatusView } from '@aftercare/read-models';
import { withApplication } from '../cli-context';

/** `projections status | rebuild <name> | resume <name>`. */
export function registerProjectionsCommand(program: Command): void {
  const command = program
    .command('projections')
    .description('Projection status, rebuilds and resuming a stopped projection');

  command
    .command('status')
    .description('name, version, status, checkpoint, head, lag and error of every projection')
    .action(async () => {
      await withEngine(async (engine) => {
        const rows = await engine.status();
        console.log(formatStatus(rows));
      });
    });

  command
    .command('rebuild')
    .argument('<name>', 'projection to rebuild from the start')
    .description('rebuild into a fresh table while the old one serves, then swap it in')
    .action(async (name: string) => {
      assertKnown(program, name);
      await withEngine(async (engine) => {
        const bar = new SingleBar({
          format: `${name} [{bar}] {percentage}% | {value}/{total} events | {rate} ev/s | ETA {eta_formatted}`,
          hideCursor: true,
        });
        let started = false;
        const result = await engine.rebuild(name, {
          onProgress: (progress) => {
            const total = progress.eventsTotal ?? progress.eventsDone;
            if (!started) {
              bar.start(Math.max(total, 1), 0, { rate: 0 });
              started = true;
            }
            bar.setTotal(Math.max(total, progress.eventsDone, 1));
            bar.update(progress.eventsDone, {
              rate: progress.eventsPerSecond.toLocaleString('en'),
            });
          },
        });
        if (started) bar.stop();
        const [built] = result.projections;
        console.log(
          `Rebuilt ${name}: ${result.events.toLocaleString('en')} events, ${built.keys.toLocaleString('en')} keys, ` +
            `${(result.durationMs / 1000).toFixed(1)} s (${result.eventsPerSecond.toLocaleString('en')} ev/s), checkpoint ${built.checkpoint ?? '-'}`,
        );
      });
    });

  command
    .command('resume')
    .argument('<name>', 'a failed or stopped projection')
    .description('clear the recorded failure; a running projector continues from the checkpoint')
    .action(async (name: string) => {
      assertKnown(program, name);
      await withEngine(async (engine) => {
        await engine.resume(name);
        const [status] = (await engine.status()).filter((s) => s.name === name);
        console.log(
          `Resumed ${name} from checkpoint ${status?.checkpoint ?? '-'} (lag ${status?.lag ?? '-'} events)`,
        );
      });
    });
}

function assertKnown(program: Command, name: string): void {
  const names = projections.map((p) => p.name);
  if (!names.includes(name)) {
    program.error(`Unknown projection '${name}'. Known projections: ${names.join(', ')}`, {
      exitCode: 2,
    });
  }
}

/** The application's engine, never started here: the CLI inspects and rebuilds, the projector runs. */
async function withEngine(run: (engine: ProjectionEngine) => Promise<void>): Promise<void> {
  await withApplication(
    async ({ app, readModels }) => {
      for (const projection of projections) await readModels.register(projection);
      await run(app.get(ProjectionHost).engine);
    },
    { readModels: true },
  );
}

export function formatStatus(rows: readonly ProjectionStatusView[]): string {
  const header = ['name', 'version', 'status', 'checkpoint', 'head', 'lag', 'error'];
  const lines = rows.map((row) => [
    row.name,
    row.storedVersion === row.version
      ? String(row.version)
      : `${row.storedVersion} (code ${row.version})`,
    row.status,
    row.checkpoint?.toString() ?? '-',
    row.headPosition?.toString() ?? '-',
    `${row.lag}${row.lagIsLowerBound ? '+' : ''}`,
    row.failure
      ? `at ${row.failure.position} (event ${row.failure.eventId}): ${row.failure.error}`
      : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [format(header), ...lines.map(format)].join('\n');
}
