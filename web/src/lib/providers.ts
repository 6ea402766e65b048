/** The sign-in providers by the names they go by (brand names, the same in every language). */
export const PROVIDER_NAMES: Record<string, string> = { google: "Google", kakao: "Kakao", meta: "Meta" };
