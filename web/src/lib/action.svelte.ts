// The one way a screen submits: busy while the request runs, then the sentence to show if it
// failed (the work returns it), or the offline sentence when nothing reached the server.
import { NETWORK_ERROR } from "./api/errors";

export class FormAction {
  busy = $state(false);
  error = $state<string | null>(null);

  /** Runs `work` unless one is running; `work` returns an error sentence, or nothing. */
  async run(work: () => Promise<string | null | void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    try {
      this.error = (await work()) ?? null;
    } catch {
      this.error = NETWORK_ERROR();
    } finally {
      this.busy = false;
    }
  }

  /** An onsubmit handler: the form's own submission is replaced by `work`. */
  submit(work: () => Promise<string | null | void>): (event: SubmitEvent) => Promise<void> {
    return (event) => {
      event.preventDefault();
      return this.run(work);
    };
  }

  clear(): void {
    this.error = null;
  }
}
