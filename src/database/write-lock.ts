/**
 * A FIFO async mutex. SQLite has one connection: two TypeORM transactions at once fail, and a
 * plain save() issued while another transaction is open joins it. So every write on SQLite
 * takes this lock first.
 */
export class WriteLock {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  async run<T>(work: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    this.waiting++;
    try {
      await previous;
      return await work();
    } finally {
      this.waiting--;
      release();
    }
  }

  /** How many callers hold or wait for the lock (for health and benchmarks). */
  get queued(): number {
    return this.waiting;
  }
}
