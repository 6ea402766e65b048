import { describe, expect, it, vi } from "vitest";
import { CursorPager, type CursorPage } from "./pager.svelte";

type Row = { id: string };
const rows = (...ids: string[]): Row[] => ids.map((id) => ({ id }));

describe("CursorPager", () => {
  it("follows next_cursor until it is null", async () => {
    const pages: Record<string, CursorPage<Row>> = {
      start: { items: rows("a", "b"), next_cursor: "c1" },
      c1: { items: rows("c"), next_cursor: null },
    };
    const fetchPage = vi.fn(async (cursor: string | null) => pages[cursor ?? "start"]);
    const pager = new CursorPager(fetchPage);
    await pager.more();
    expect(pager.items.map((r) => r.id)).toEqual(["a", "b"]);
    expect(pager.done).toBe(false);
    await pager.more();
    expect(pager.items.map((r) => r.id)).toEqual(["a", "b", "c"]);
    expect(pager.done).toBe(true);
    await pager.more();
    expect(fetchPage).toHaveBeenCalledTimes(2);
    expect(fetchPage.mock.calls.map((call) => call[0])).toEqual([null, "c1"]);
  });

  it("loads one page at a time however often it is asked", async () => {
    let resolve!: (page: CursorPage<Row>) => void;
    const fetchPage = vi.fn(() => new Promise<CursorPage<Row>>((r) => (resolve = r)));
    const pager = new CursorPager(fetchPage);
    const first = pager.more();
    void pager.more();
    expect(pager.loading).toBe(true);
    resolve({ items: rows("a"), next_cursor: "x" });
    await first;
    expect(fetchPage).toHaveBeenCalledTimes(1);
    expect(pager.loading).toBe(false);
  });

  it("shows a row that moved between pages once", async () => {
    const fetchPage = vi
      .fn()
      .mockResolvedValueOnce({ items: rows("a", "b"), next_cursor: "1" })
      .mockResolvedValueOnce({ items: rows("b", "c"), next_cursor: null });
    const pager = new CursorPager<Row>(fetchPage);
    await pager.more();
    await pager.more();
    expect(pager.items.map((r) => r.id)).toEqual(["a", "b", "c"]);
  });

  it("keeps its place after a failed page, and retries it", async () => {
    const fetchPage = vi
      .fn()
      .mockResolvedValueOnce({ items: rows("a"), next_cursor: "1" })
      .mockRejectedValueOnce(new Error("Server down"))
      .mockResolvedValueOnce({ items: rows("b"), next_cursor: null });
    const pager = new CursorPager<Row>(fetchPage, (e) => (e as Error).message);
    await pager.more();
    await pager.more();
    expect(pager.error).toBe("Server down");
    expect(pager.done).toBe(false);
    await pager.more();
    expect(pager.error).toBeNull();
    expect(fetchPage.mock.calls.map((call) => call[0])).toEqual([null, "1", "1"]);
    expect(pager.items.map((r) => r.id)).toEqual(["a", "b"]);
  });

  it("starts over on reset and forgets removed rows", async () => {
    const fetchPage = vi.fn(async () => ({ items: rows("a", "b"), next_cursor: null }));
    const pager = new CursorPager<Row>(fetchPage);
    await pager.more();
    pager.remove("a");
    expect(pager.items.map((r) => r.id)).toEqual(["b"]);
    await pager.reset();
    expect(pager.items.map((r) => r.id)).toEqual(["a", "b"]);
  });
});
