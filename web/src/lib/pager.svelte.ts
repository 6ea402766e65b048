// Pages through a cursor-paginated list: `{items, next_cursor}` per page, keyed by id.
import { messageOf } from "./load";

export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

export class CursorPager<T extends { id: string }> {
  items = $state<T[]>([]);
  loading = $state(false);
  done = $state(false);
  error = $state<string | null>(null);
  private cursor: string | null = null;

  constructor(
    private readonly fetchPage: (cursor: string | null) => Promise<CursorPage<T>>,
    private readonly describe: (error: unknown) => string = messageOf,
  ) {}

  /** Loads the next page unless one is loading or the end was reached. */
  async more(): Promise<void> {
    if (this.loading || this.done) return;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.fetchPage(this.cursor);
      const known = new Set(this.items.map((item) => item.id));
      // A row that moved between pages while we scrolled is shown once.
      this.items = [...this.items, ...page.items.filter((item) => !known.has(item.id))];
      this.cursor = page.next_cursor;
      this.done = page.next_cursor === null;
    } catch (error) {
      this.error = this.describe(error);
    } finally {
      this.loading = false;
    }
  }

  /** Starts over from the first page. */
  async reset(): Promise<void> {
    this.items = [];
    this.cursor = null;
    this.done = false;
    await this.more();
  }

  remove(id: string): void {
    this.items = this.items.filter((item) => item.id !== id);
  }
}
