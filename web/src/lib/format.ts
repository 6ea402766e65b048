// Dates, numbers and sizes in the reader's language, through Intl.
import { getLocale } from "$lib/paraglide/runtime";

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["minute", 60],
  ["hour", 3600],
  ["day", 86400],
];

/** "3 minutes ago", "2 hours ago", "yesterday", or the date: when something happened. */
export function timeAgo(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  const relative = new Intl.RelativeTimeFormat(getLocale(), { numeric: "auto" });
  if (seconds < 60) return relative.format(0, "second");
  for (const [unit, size] of UNITS.slice().reverse()) {
    if (seconds >= size && (unit !== "day" || seconds < 7 * 86400)) return relative.format(-Math.floor(seconds / size), unit);
  }
  return date(iso);
}

export function date(iso: string): string {
  return new Date(iso).toLocaleDateString(getLocale(), { year: "numeric", month: "short", day: "numeric" });
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString(getLocale(), { dateStyle: "medium", timeStyle: "short" });
}

export function number(value: number): string {
  return new Intl.NumberFormat(getLocale()).format(value);
}

export function formatBytes(bytes: number): string {
  const [unit, value] =
    bytes < 1024 ? ["byte", bytes] : bytes < 1024 * 1024 ? ["kilobyte", bytes / 1024] : ["megabyte", bytes / 1024 / 1024];
  return new Intl.NumberFormat(getLocale(), { style: "unit", unit, unitDisplay: "short", maximumFractionDigits: 1 }).format(value);
}

/** 0-100 as "42%" (or "42 %", as the language writes it). */
export function percent(value: number): string {
  return new Intl.NumberFormat(getLocale(), { style: "percent", maximumFractionDigits: 0 }).format(value / 100);
}
