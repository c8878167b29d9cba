import { Module } from '@nestjs/common';
import { SignalProcessor } from './signal.processor';
import { loadSignalSettings, SIGNAL_SETTINGS, type SignalSettings } from './signal-settings';

/**
 * Runs the signal processor in this process from bootstrap to shutdown (AFTERCARE_SIGNALS=off
 * leaves it out). Needs the global EventStoreModule.
 */
@Module({
  providers: [
    { provide: SIGNAL_SETTINGS, useFactory: (): SignalSettings => loadSignalSettings() },
    SignalProcessor,
  ],
  exports: [SignalProcessor, SIGNAL_SETTINGS],
})
export class SignalsModule {}
