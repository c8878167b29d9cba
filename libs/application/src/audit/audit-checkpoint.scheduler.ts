import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import type { ProjectionEngine } from '@aftercare/read-models';
import { AFTERCARE_CONFIG, type AftercareConfig } from '../config/aftercare-config';
import { PROJECTION_ENGINE } from '../projections/projections.tokens';
import { WarrantyAudit } from './warranty-audit';

/** The scheduled consumer's name: its lease and its line in /health. */
export const AUDIT_CHECKPOINT_CONSUMER = 'audit-checkpoint';

/**
 * Signs a checkpoint of every warranty stream's head on a timer (on demand: `audit checkpoint`):
 * a scheduled consumer of the projection runtime, so of N instances one signs (the holder of its
 * lease), and a signing that fails (store away) is retried with the runtime's policy.
 */
@Injectable()
export class AuditCheckpointScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditCheckpoints');
  private added = false;

  constructor(
    private readonly audit: WarrantyAudit,
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionEngine,
    @Optional() @Inject(AFTERCARE_CONFIG) private readonly config?: AftercareConfig,
  ) {}

  onApplicationBootstrap(): void {
    const minutes = this.config?.auditCheckpointMinutes ?? 60;
    if (minutes === 0) return;
    this.engine.addConsumer({
      name: AUDIT_CHECKPOINT_CONSUMER,
      intervalMs: minutes * 60_000,
      run: async () => {
        const { checkpoint, refused } = await this.audit.checkpoints().sign();
        this.logger.log(
          `checkpoint ${checkpoint.body.checkpointId}: ${checkpoint.body.streams.length} warranty streams signed`,
        );
        for (const finding of refused) this.logger.error(`not signed: ${finding.message}`);
      },
    });
    this.added = true;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.added) await this.engine.removeConsumer(AUDIT_CHECKPOINT_CONSUMER);
  }
}
