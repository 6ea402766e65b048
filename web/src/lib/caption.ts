// A caption as pieces: plain text, #tags (to the tag's page) and @mentions (to the
// profile), the way the server reads them (a sigil only at the start of a word).
export type Piece = { text: string; href?: string };

const WORD = /(^|[^\p{L}\p{N}\p{M}_/#@.])([#@])([\p{L}\p{N}\p{M}_]+(?:\.[\p{L}\p{N}\p{M}_]+)*)/gu;

export function normalizeTag(name: string): string {
  return name.normalize("NFKC").toLowerCase().normalize("NFKC");
}

export function tagHref(name: string): string {
  return `/explore/tags/${encodeURIComponent(normalizeTag(name))}`;
}

export function pieces(
  text: string,
  tags: string[],
  mentions: { id: string; username: string }[],
): Piece[] {
  const out: Piece[] = [];
  let last = 0;
  for (const match of text.matchAll(WORD)) {
    const [, before, sigil, rawWord] = match;
    const start = match.index + before.length;
    let href: string | undefined;
    let word = rawWord;
    if (sigil === "#") {
      word = rawWord.split(".")[0];
      if (!/^\p{Nd}+$/u.test(word) && tags.includes(normalizeTag(word))) href = tagHref(word);
    } else {
      const person = mentions.find((who) => who.username.toLowerCase() === rawWord.toLowerCase());
      if (person) href = `/people/${person.id}`;
    }
    if (!href) continue;
    if (start > last) out.push({ text: text.slice(last, start) });
    out.push({ text: sigil + word, href });
    last = start + 1 + word.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
