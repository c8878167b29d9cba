import type { RecordedEvent } from '@aftercare/event-store';

/** What a command answers: where its events went. Bigints travel as decimal strings. */
export interface CommandResult {
  streamId: string;
  /** Ids of the events the command recorded (empty when it changed nothing). */
  eventIds: string[];
  /** Stream revision after the command. */
  revision: string;
  /** Global position of the command's last event ('-1' when nothing was ever recorded). */
  position: string;
  /** True when this is the stored answer to an earlier run of the same command id. */
  replayed: boolean;
  /** The command's events as stored (upcast). */
  events?: RecordedEvent[];
}
