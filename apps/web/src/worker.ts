/**
 * The page's Web Worker: the whole simulator and bench, off the page's thread. It posts the
 * catalog once loaded, then runs each job it is sent (one at a time, through to the end: the
 * page cancels a run by ending the worker and starting a new one).
 */
import { buildCatalog } from "./catalog.js";
import { pageHost } from "./host.js";
import { runJob, traceJob } from "./jobs.js";
import type { FromWorker, ToWorker } from "./protocol.js";

interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}

const scope = self as unknown as WorkerScope;
const post = (m: FromWorker) => scope.postMessage(m);

scope.onmessage = (event) => {
  const m = event.data;
  if (m.kind === "run") runJob(m.job, m.selection, post, pageHost());
  else traceJob(m.job, m.request, post);
};
post({ kind: "catalog", catalog: buildCatalog() });
