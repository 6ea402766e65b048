import { afterEach, describe, expect, it } from "vitest";
import { baseLocale, overwriteGetLocale, type Locale } from "$lib/paraglide/runtime";
import { formatBytes, timeAgo } from "../format";
import { describeCode, describeError, oauthErrorMessage } from "./errors";

const speak = (locale: Locale) => overwriteGetLocale(() => locale);

describe("describeError", () => {
  afterEach(() => speak(baseLocale));

  it("says an API error code as a sentence in the reader's language", () => {
    const taken = { error: { code: "username_taken", message: "Username already taken" } };
    expect(describeError(409, taken)).toBe("That username is taken. Choose another one.");
    speak("ko");
    expect(describeError(409, taken)).toBe("이미 사용 중인 사용자 이름입니다. 다른 이름을 고르세요.");
    speak("es");
    expect(describeError(409, taken)).toBe("Ese nombre de usuario ya está en uso. Elige otro.");
  });

  it("falls back to the status, then to a sentence naming it", () => {
    speak("ko");
    expect(describeError(429, { error: { code: "rate_limited" } })).toBe("시도가 너무 많습니다. 잠시 기다린 뒤 다시 시도하세요.");
    expect(describeError(500, null)).toBe("문제가 생겼습니다(500). 다시 시도하세요.");
  });

  it("keeps the server's detail of a refused form", () => {
    const body = { error: { code: "validation_error", message: "birthday: must be in the past" } };
    expect(describeError(422, body)).toBe("Check what you entered: birthday: must be in the past");
  });

  it("translates OAuth callback codes and a failed scan's code", () => {
    speak("es");
    expect(oauthErrorMessage("nope")).toBe("El inicio de sesión no se completó. Vuelve a intentarlo.");
    expect(describeCode("instagram_unavailable", "x")).toMatch(/^No se pudo contactar con Instagram/);
    expect(describeCode("unheard_of", "the server's words")).toBe("the server's words");
  });
});

describe("format", () => {
  afterEach(() => speak(baseLocale));

  it("says times and sizes through Intl", () => {
    const now = Date.parse("2026-05-01T12:00:00Z");
    expect(timeAgo("2026-05-01T11:57:00Z", now)).toBe("3 minutes ago");
    speak("ko");
    expect(timeAgo("2026-05-01T11:59:59Z", now)).toBe("지금");
    expect(timeAgo("2026-05-01T10:00:00Z", now)).toBe("2시간 전");
    speak("es");
    expect(timeAgo("2026-04-30T12:00:00Z", now)).toBe("ayer");
    expect(formatBytes(1536)).toBe("1,5 kB");
  });
});
