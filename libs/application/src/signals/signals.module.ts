import { Module } from '@nestjs/common';
import { PROJECTION_SETTINGS, type ProjectionSettings } from '../projections/projections.tokens';
import { SignalProcessor } from './signal.processor';
import { loadSignalSettings, SIGNAL_SETTINGS, type SignalSettings } from './signal-settings';

/**
 * Runs the signal processor in this process from bootstrap to shutdown, by default where the
 * projections run (AFTERCARE_SIGNALS=on|off overrides). Needs EventStoreModule and ProjectionsModule.
 */
@Module({
  providers: [
    {
      provide: SIGNAL_SETTINGS,
      inject: [PROJECTION_SETTINGS],
      useFactory: (projections: ProjectionSettings): SignalSettings =>
        loadSignalSettings(process.env, projections.run),
    },
    SignalProcessor,
  ],
  exports: [SignalProcessor, SIGNAL_SETTINGS],
})
export class SignalsModule {}
