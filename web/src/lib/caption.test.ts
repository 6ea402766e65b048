import { describe, expect, it } from "vitest";
import { pieces } from "./caption";

describe("pieces", () => {
  it("links the post's tags and mentions, and leaves the rest as text", () => {
    const out = pieces("Hi @ann_b at #Seoul, #서울 a@b.com #123", ["seoul", "서울"], [{ id: "u1", username: "ann_b" }]);
    expect(out).toEqual([
      { text: "Hi " },
      { text: "@ann_b", href: "/people/u1" },
      { text: " at " },
      { text: "#Seoul", href: "/explore/tags/seoul" },
      { text: ", " },
      { text: "#서울", href: `/explore/tags/${encodeURIComponent("서울")}` },
      { text: " a@b.com #123" },
    ]);
  });
});
