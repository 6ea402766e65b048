// Follows one analysis live: the SSE stream first, polling when the stream is unavailable.
import { api, refresher, type Schemas } from "./api/client";
import { readEvents } from "./sse";
import { m } from "$lib/paraglide/messages";

type Analysis = Schemas["AnalysisRead"];
const POLL_MS = 2000;

export const isActive = (analysis: Analysis) => analysis.status === "queued" || analysis.status === "running";

async function stream(id: string, onChange: (analysis: Analysis) => void, signal: AbortSignal): Promise<boolean> {
  const headers: Record<string, string> = { Accept: "text/event-stream" };
  if (refresher.token) headers.Authorization = `Bearer ${refresher.token}`;
  const response = await fetch(`/api/ig/analyses/${encodeURIComponent(id)}/events`, { headers, signal });
  if (!response.ok || !response.body) return false;
  for await (const message of readEvents(response.body)) {
    if (message.event !== "progress" && message.event !== "done") continue;
    const analysis = JSON.parse(message.data) as Analysis;
    onChange(analysis);
    if (message.event === "done" || !isActive(analysis)) return true;
  }
  return false;
}

/** Calls `onChange` with every new state until the analysis ends or `signal` aborts. */
export async function follow(id: string, onChange: (analysis: Analysis) => void, signal: AbortSignal): Promise<void> {
  try {
    if (await stream(id, onChange, signal)) return;
  } catch {
    if (signal.aborted) return;
  }
  // The stream failed or ended early: poll until the analysis ends.
  while (!signal.aborted) {
    const { data } = await api.GET("/api/ig/analyses/{analysis_id}", { params: { path: { analysis_id: id } } });
    if (data) {
      onChange(data);
      if (!isActive(data)) return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

const STATUS_NAMES: Record<Schemas["AnalysisStatus"], () => string> = {
  queued: m.analysis_status_queued,
  running: m.analysis_status_running,
  completed: m.analysis_status_completed,
  failed: m.analysis_status_failed,
  cancelled: m.analysis_status_cancelled,
};

/** An analysis's status as a word in the reader's language. */
export const statusName = (status: Schemas["AnalysisStatus"]): string => STATUS_NAMES[status]();
