import type { ParamMatcher } from "@sveltejs/kit";

/** /people/:id/followers and /people/:id/following: the two lists of a profile. */
export const match: ParamMatcher = (list) => list === "followers" || list === "following";
