import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import {
  EVENT_STORE,
  CustomerListQueries,
  CustomerNotFoundError,
  CustomerQueries,
  NbaModelNotFittedError,
  NextActionsQueries,
  type ReadModelQueries,
} from '@aftercare/application';
import type { EventStore } from '@aftercare/event-store';
import { customerScoreIndexOf } from '@aftercare/read-models';
import { READ_CLOCK, READ_MODELS } from './read.tokens';

/** The shared read-side queries, with their errors turned into HTTP ones. */
@Injectable()
export class ReadService {
  readonly queries: CustomerQueries;
  readonly nextActions: NextActionsQueries;
  /** The customer list, from the score index beside the read models. */
  readonly customerList: CustomerListQueries;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODELS) readModels: ReadModelQueries,
    @Inject(READ_CLOCK) clock: () => Date,
  ) {
    this.queries = new CustomerQueries(store, readModels, clock);
    this.nextActions = new NextActionsQueries(store, readModels, clock);
    this.customerList = new CustomerListQueries(customerScoreIndexOf(readModels), clock);
  }

  async run<T>(query: (queries: CustomerQueries) => Promise<T>): Promise<T> {
    try {
      return await query(this.queries);
    } catch (error) {
      if (error instanceof CustomerNotFoundError) throw new NotFoundException(error.message);
      if (error instanceof NbaModelNotFittedError) throw new ConflictException(error.message);
      throw error;
    }
  }
}
