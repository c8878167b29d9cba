import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { EventStore, GlobalPosition, Subscription } from '@aftercare/event-store';
import { EVENT_STORE } from '@aftercare/application';

/** Follows $all and logs where the projector stands: after catching up and every few seconds. */
@Injectable()
export class PositionLogger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projector');
  private subscription?: Subscription;
  private position: GlobalPosition | undefined;
  private timer?: NodeJS.Timeout;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  onApplicationBootstrap(): void {
    this.subscription = this.store.subscribeToAll({ from: 'start' });
    this.timer = setInterval(() => this.report('following'), 5000);
    void this.follow(this.subscription);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.subscription?.close();
  }

  private async follow(subscription: Subscription): Promise<void> {
    for await (const message of subscription) {
      if (message.kind === 'caughtUp') this.report('caught up');
      else if (message.kind === 'event') this.position = message.event.position;
    }
  }

  private report(state: string): void {
    this.logger.log(
      `${state} at position ${this.position === undefined ? 'start' : String(this.position)}`,
    );
  }
}
