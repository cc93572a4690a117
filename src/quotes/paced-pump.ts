/** What a PacedPump drives: a queue of work, a pace, and the call that takes from the queue. */
export interface PacedPumpSteps {
  /** Whether anything waits. */
  pending(): boolean;
  /** Resolves when the next call may go (a cluster call gate). Never rejects. */
  slot(): Promise<void>;
  /** Takes what one call carries from the queue and starts it; the pump does not wait for its answer. */
  dispatch(): void;
  /** Waited once before each run's first slot, so that work arriving together shares the first call. */
  collect?(): Promise<void>;
}

/**
 * The one pump-and-drain loop of the paced Kite calls (quotes, historical data): while anything
 * waits, one dispatch per slot; a single loop at a time however often it is kicked; and a kick
 * during the loop's last slot is not lost (the loop starts again if work is left).
 */
export class PacedPump {
  private running = false;
  private closed = false;

  constructor(private readonly steps: PacedPumpSteps) {}

  /** Starts the loop unless it runs already (or the pump is closed). */
  kick(): void {
    if (this.running || this.closed) return;
    this.running = true;
    void this.run().finally(() => {
      this.running = false;
      if (this.steps.pending()) this.kick();
    });
  }

  /** No dispatch after this; the owner rejects what still waits. */
  close(): void {
    this.closed = true;
  }

  private async run(): Promise<void> {
    if (this.steps.collect) await this.steps.collect();
    while (this.steps.pending() && !this.closed) {
      await this.steps.slot();
      if (this.closed) return;
      this.steps.dispatch();
    }
  }
}
