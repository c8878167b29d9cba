import { Module } from '@nestjs/common';
import { PROJECTION_SETTINGS, type ProjectionSettings } from '../projections/projections.tokens';
import { WEBHOOK_SETTINGS, WebhookService, webhookSettingsFromEnv } from './webhook.service';

/**
 * Webhook subscriptions. Every instance serves the API; deliveries run in one place, where the
 * projections run (the projector, or the embedded API), unless AFTERCARE_WEBHOOKS says otherwise.
 */
@Module({
  providers: [
    WebhookService,
    {
      provide: WEBHOOK_SETTINGS,
      inject: [PROJECTION_SETTINGS],
      useFactory: (projections: ProjectionSettings) =>
        webhookSettingsFromEnv(process.env, projections.run),
    },
  ],
  exports: [WebhookService],
})
export class WebhookModule {}
