// The language the app speaks: the one chosen in Settings (kept in localStorage by
// Paraglide), else the browser's first of ours, else English.
import { getLocale, locales, setLocale, type Locale } from "$lib/paraglide/runtime";

/** Each language by its own name, as a person looks for it in a list. */
export const LANGUAGE_NAMES: Record<Locale, string> = { en: "English", ko: "한국어", es: "Español" };

export { getLocale, locales };

/** Remembers the choice and shows the app again in it (a reload, as Paraglide does it). */
export function chooseLanguage(locale: Locale): void {
  setLocale(locale);
}
