import { fmt } from "@exolab/bench";
import { useMemo, useState } from "preact/hooks";
import { openInPerfetto } from "../perfetto.js";
import type { TraceResult } from "../protocol.js";
import { type Timeline, type TimelineSpan, timelineOf } from "../timeline.js";
import { useBlobUrl } from "./blob.js";
import { CATEGORY_COLORS, PlotBox, type PlotModule } from "./plot.js";

const LANE_PX = 34;

function drawTimeline(t: Timeline, categories: readonly string[]) {
  return (Plot: PlotModule, width: number) =>
    Plot.plot({
      width,
      height: 70 + t.lanes.length * LANE_PX,
      marginLeft: Math.min(160, 12 + Math.max(...t.lanes.map((l) => l.length)) * 7),
      marginRight: 16,
      marginBottom: 40,
      style: { fontSize: "11px" },
      x: {
        label: "simulated time from the window's start (µs)",
        labelAnchor: "right",
        grid: true,
        domain: [0, t.lengthUs],
        ticks: width < 500 ? 4 : 10,
      },
      y: { domain: [...t.lanes], label: null, padding: 0.25 },
      color: {
        domain: [...categories],
        range: CATEGORY_COLORS.slice(0, categories.length),
        legend: true,
      },
      marks: [
        Plot.link(t.switches, {
          x1: "atUs",
          x2: "atUs",
          y1: "from",
          y2: "to",
          stroke: "#999",
          strokeWidth: 0.75,
          strokeOpacity: 0.7,
        }),
        Plot.barX(t.spans, {
          y: "lane",
          x1: "fromUs",
          x2: "toUs",
          fill: "category",
          title: (s: TimelineSpan) =>
            `${s.lane}: ${s.name} (${s.category}), ${s.cycles} cycles, ${fmt(s.fromUs)}–${fmt(s.toUs)} µs`,
        }),
        Plot.dot(t.marks, {
          x: "atUs",
          y: "lane",
          symbol: "diamond",
          r: 4,
          fill: "#111",
          title: (m: { name: string; atUs: number }) => `${m.name} at ${fmt(m.atUs)} µs`,
        }),
      ],
    }) as unknown as Element;
}

/**
 * A timeline of one run's window: a lane per owner (the kernel, each environment or
 * process), spans coloured by category, exceptions and device events as diamonds, and a grey
 * link at every change of owner (trap, return, transfer, switch); and the same trace opened
 * in Perfetto or downloaded.
 */
export function TimelineView(props: {
  readonly trace: TraceResult;
  readonly categories: readonly string[];
}) {
  const { trace } = props;
  const timeline = useMemo(() => timelineOf(trace.json), [trace]);
  const draw = useMemo(
    () => drawTimeline(timeline, props.categories),
    [timeline, props.categories],
  );
  const [perfetto, setPerfetto] = useState<string | undefined>(undefined);
  const name = `${trace.request.benchmark}-${trace.request.system}-${trace.request.profile}-seed${trace.request.seed}`;
  const href = useBlobUrl(trace.json, "application/json");
  return (
    <section class="timeline" id="timeline" aria-live="polite">
      <h2>
        Timeline: {trace.request.benchmark} on {trace.request.system}
      </h2>
      <p class="hint">
        {`${trace.window}, ${trace.spans} spans${trace.droppedSpans > 0 ? `, ${trace.droppedSpans} more dropped past the bound` : ""}; cycles ${trace.fromCycle}..${trace.toCycle} of the run on ${trace.request.profile} (seed ${trace.request.seed}); trace hash `}
        <code>{trace.hash}</code>. Lanes are owners; grey links mark each change of owner (a trap, a
        return, a transfer, a switch); diamonds are exceptions and device events.
      </p>
      <PlotBox
        draw={draw}
        label={`timeline of ${trace.request.benchmark} on ${trace.request.system}`}
      />
      <p class="actions">
        <button
          type="button"
          id="open-perfetto"
          onClick={() => openInPerfetto(trace.json, name, setPerfetto)}
        >
          Open in Perfetto
        </button>{" "}
        <a id="download-trace" href={href} download={`${name}-trace.json`}>
          Download the trace (Chrome trace-event JSON, {Math.round(trace.json.length / 1024)} KiB)
        </a>
        {perfetto === undefined ? null : <span class="perfetto-state"> — {perfetto}</span>}
      </p>
    </section>
  );
}
