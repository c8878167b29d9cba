import { Module } from '@nestjs/common';
import { AFTERCARE_CONFIG, type AftercareConfig } from '../config/aftercare-config';
import { PROJECTION_SETTINGS, type ProjectionSettings } from '../projections/projections.tokens';
import { SignalProcessor } from './signal.processor';
import { SIGNAL_SETTINGS, type SignalSettings, signalSettings } from './signal-settings';

/**
 * Runs the signal processor in this process from bootstrap to shutdown, by default where the
 * projections run (AFTERCARE_SIGNALS=on|off overrides). Needs EventStoreModule and ProjectionsModule.
 */
@Module({
  providers: [
    {
      provide: SIGNAL_SETTINGS,
      inject: [AFTERCARE_CONFIG, PROJECTION_SETTINGS],
      useFactory: (config: AftercareConfig, projections: ProjectionSettings): SignalSettings =>
        signalSettings(config.signals, projections.run),
    },
    SignalProcessor,
  ],
  exports: [SignalProcessor, SIGNAL_SETTINGS],
})
export class SignalsModule {}
