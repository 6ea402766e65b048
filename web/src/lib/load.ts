// Adapts an openapi-fetch call to a CursorPager page: the data, or a thrown sentence.
import { describeError, NETWORK_ERROR } from "./api/errors";

export async function pageOf<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (data === undefined) throw new Error(describeError(response.status, error));
  return data;
}

export function messageOf(error: unknown): string {
  return error instanceof Error && !(error instanceof TypeError) ? error.message : NETWORK_ERROR();
}
