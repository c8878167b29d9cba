import { Module } from '@nestjs/common';
import { WEBHOOK_SETTINGS, WebhookService, webhookSettingsFromEnv } from './webhook.service';

@Module({
  providers: [
    WebhookService,
    { provide: WEBHOOK_SETTINGS, useFactory: () => webhookSettingsFromEnv() },
  ],
  exports: [WebhookService],
})
export class WebhookModule {}
