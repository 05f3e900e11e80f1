/**
 * Opening a trace in the Perfetto UI (ui.perfetto.dev) from the page: Perfetto accepts a
 * trace posted to its window once it answers a PING with PONG. Nothing is uploaded: the
 * trace goes from this page to that window, in the browser.
 */
export const PERFETTO_ORIGIN = "https://ui.perfetto.dev";
/** How long to wait for the Perfetto window to answer. */
const PERFETTO_WAIT_MS = 20_000;

/** Opens Perfetto in a new window and posts it the trace; tells `onState` how it went (one line). */
export function openInPerfetto(json: string, title: string, onState: (line: string) => void): void {
  const win = window.open(`${PERFETTO_ORIGIN}/#!/`, "_blank");
  if (win === null) {
    onState(
      "the browser did not open the Perfetto window (a pop-up blocker?): download the trace instead",
    );
    return;
  }
  onState("waiting for Perfetto to load…");
  const buffer = new TextEncoder().encode(json).buffer;
  const started = Date.now();
  const ping = setInterval(() => {
    if (Date.now() - started > PERFETTO_WAIT_MS) {
      stop();
      onState(
        "Perfetto did not answer (offline?): download the trace and open it at ui.perfetto.dev",
      );
      return;
    }
    win.postMessage("PING", PERFETTO_ORIGIN);
  }, 250);
  const onMessage = (e: MessageEvent) => {
    if (e.source !== win || e.data !== "PONG") return;
    stop();
    win.postMessage({ perfetto: { buffer, title, fileName: `${title}.json` } }, PERFETTO_ORIGIN);
    onState("sent to Perfetto");
  };
  const stop = () => {
    clearInterval(ping);
    window.removeEventListener("message", onMessage);
  };
  window.addEventListener("message", onMessage);
}
