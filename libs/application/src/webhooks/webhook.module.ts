import { Module } from '@nestjs/common';
import { CryptoModule } from '../crypto/crypto.module';
import { PROJECTION_SETTINGS, type ProjectionSettings } from '../projections/projections.tokens';
import { AFTERCARE_CONFIG, type AftercareConfig } from '../config/aftercare-config';
import { WEBHOOK_SETTINGS, WebhookService, webhookSettings } from './webhook.service';

/**
 * Webhook subscriptions. Every instance serves the API; deliveries run in one place, where the
 * projections run (the projector, or the embedded API), unless AFTERCARE_WEBHOOKS says otherwise.
 */
@Module({
  imports: [CryptoModule],
  providers: [
    WebhookService,
    {
      provide: WEBHOOK_SETTINGS,
      inject: [AFTERCARE_CONFIG, PROJECTION_SETTINGS],
      useFactory: (config: AftercareConfig, projections: ProjectionSettings) =>
        webhookSettings(config.webhooks, projections.run),
    },
  ],
  exports: [WebhookService],
})
export class WebhookModule {}
