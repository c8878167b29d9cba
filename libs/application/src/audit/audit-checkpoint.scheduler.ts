import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigError } from '@aftercare/event-store';
import { WarrantyAudit } from './warranty-audit';

/** AFTERCARE_AUDIT_CHECKPOINT_MINUTES: how often warranty stream heads are signed (0: never). */
export function auditCheckpointMinutes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.AFTERCARE_AUDIT_CHECKPOINT_MINUTES ?? '60';
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new ConfigError(
      'AFTERCARE_AUDIT_CHECKPOINT_MINUTES',
      `'${raw}' is not a number of minutes`,
    );
  }
  return minutes;
}

/** Signs a checkpoint of every warranty stream's head on a timer (on demand: `audit checkpoint`). */
@Injectable()
export class AuditCheckpointScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditCheckpoints');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly audit: WarrantyAudit) {}

  onApplicationBootstrap(): void {
    const minutes = auditCheckpointMinutes();
    if (minutes === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.audit
        .checkpoints()
        .sign()
        .then(({ checkpoint, refused }) => {
          this.logger.log(
            `checkpoint ${checkpoint.body.checkpointId}: ${checkpoint.body.streams.length} warranty streams signed`,
          );
          for (const finding of refused) this.logger.error(`not signed: ${finding.message}`);
        })
        .catch((error: unknown) => this.logger.error(`checkpoint failed: ${String(error)}`))
        .finally(() => (this.running = undefined));
    }, minutes * 60_000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
