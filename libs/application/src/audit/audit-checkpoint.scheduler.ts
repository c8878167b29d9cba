import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { AFTERCARE_CONFIG, type AftercareConfig } from '../config/aftercare-config';
import { WarrantyAudit } from './warranty-audit';

/** Signs a checkpoint of every warranty stream's head on a timer (on demand: `audit checkpoint`). */
@Injectable()
export class AuditCheckpointScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditCheckpoints');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly audit: WarrantyAudit,
    @Optional() @Inject(AFTERCARE_CONFIG) private readonly config?: AftercareConfig,
  ) {}

  onApplicationBootstrap(): void {
    const minutes = this.config?.auditCheckpointMinutes ?? 60;
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
