/**
 * Wake-ups of live subscriptions after an append: this process's at once, other processes' by
 * LISTEN/NOTIFY. The NOTIFY goes out after the append committed, as a statement of its own: a
 * NOTIFY inside the append would take PostgreSQL's notification-queue lock until the commit and
 * serialise every append again. At most one is on its way; appends meanwhile are announced by
 * one more after it.
 *
 * A NOTIFY is a statement (and a commit) of its own, as much work as a small append, so it is
 * sent only while another connection listens on this schema: each listening connection holds a
 * session-level advisory lock (released with the connection), and the appending side looks for
 * such locks other than its own at most once per LOOK_INTERVAL_MS, and sends anyway when its last
 * look is older than that. A process that starts listening just after a look misses wake-ups for
 * at most that long and polls meanwhile (its subscriptions' fallback), so nothing is lost, only
 * delivered a poll later.
 */
import { Client, type Pool, type QueryConfig } from 'pg';
import { WakeUps } from '../subscription-pump';

export const LOOK_INTERVAL_MS = 1_000;

type NamedQuery = QueryConfig & { rowMode: 'array' };

export interface NotifierQueries {
  /** Sends the wake-up on the schema's channel. */
  notify: NamedQuery;
  /** $1: this store's listening backend (0 if none); one row: how many other listeners. */
  othersListening: NamedQuery;
}

export class AppendNotifier {
  /** Live subscriptions of this store register here. */
  readonly wakeUps = new WakeUps();
  private listener: Client | undefined;
  private listenerPid = 0;
  private listening: Promise<void> | undefined;
  private notifying = false;
  private notifyAgain = false;
  /** Assumed until a look says otherwise, so a wake-up is never skipped for want of a look. */
  private othersListen = true;
  private lookedAt = Number.NEGATIVE_INFINITY;
  private looking = false;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly connectionString: string,
    private readonly queries: NotifierQueries,
    /** LISTEN statement, and the statement that takes the listener's lock and names its backend. */
    private readonly listenSql: { listen: string; register: string },
  ) {}

  /** After an append committed: wakes this process's subscriptions, and the others' if any. */
  announce(): void {
    this.wakeUps.wakeAll();
    // A look older than LOOK_INTERVAL_MS says nothing: send, and look again.
    const stale = this.lookForListeners();
    if ((!this.othersListen && !stale) || this.closed) return;
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    const send = (): Promise<void> =>
      this.pool
        .query(this.queries.notify)
        .then(
          () => undefined,
          () => undefined,
        )
        .then(() => {
          if (this.notifyAgain && !this.closed) {
            this.notifyAgain = false;
            return send();
          }
          this.notifying = false;
        });
    void send();
  }

  /** Starts a look when the last is older than LOOK_INTERVAL_MS; true if it is. */
  private lookForListeners(): boolean {
    if (Date.now() - this.lookedAt < LOOK_INTERVAL_MS) return false;
    if (this.looking || this.closed) return true;
    this.looking = true;
    this.pool
      .query<[number]>({ ...this.queries.othersListening, values: [this.listenerPid] })
      .then(
        ({ rows }) => (this.othersListen = rows[0][0] > 0),
        () => (this.othersListen = true),
      )
      .finally(() => {
        this.looking = false;
        this.lookedAt = Date.now();
      });
    return true;
  }

  /** One dedicated connection LISTENs for appends and wakes every live subscription. */
  listen(): Promise<void> {
    if (this.listening || this.closed) return this.listening ?? Promise.resolve();
    const client = new Client({ connectionString: this.connectionString });
    const reset = () => {
      if (this.listener === client) {
        this.listener = undefined;
        this.listenerPid = 0;
      }
      this.listening = undefined;
      client.end().catch(() => undefined);
    };
    client.on('notification', () => this.wakeUps.wakeAll());
    // Lost connection: subscriptions fall back to polling; the next subscription listens again.
    client.on('error', reset);
    client.on('end', reset);
    this.listener = client;
    this.listening = client
      .connect()
      .then(() => client.query(this.listenSql.listen))
      .then(() => client.query<[number]>({ text: this.listenSql.register, rowMode: 'array' }))
      .then(({ rows }) => {
        if (this.listener === client) this.listenerPid = rows[0][0];
        if (this.closed) return client.end();
      })
      .catch(reset);
    return this.listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeUps.wakeAll();
    this.wakeUps.clear();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }
}
