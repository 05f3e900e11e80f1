import { type BenchResult, fmt } from "@exolab/bench";
import { useMemo } from "preact/hooks";
import { CATEGORY_COLORS, PlotBox, type PlotModule } from "./plot.js";

const OWNERS = ["kernel", "libos", "application"] as const;
const OWNER_COLORS = ["#4e79a7", "#59a14f", "#f28e2b"];

interface Share {
  readonly system: string;
  readonly part: string;
  readonly cycles: number;
}

/** The parts of each system's cycles per operation (those above zero), in `order`. */
function shares(
  results: readonly BenchResult[],
  pick: (r: BenchResult) => Readonly<Record<string, number>>,
  order: readonly string[],
): Share[] {
  return results.flatMap((r) =>
    order
      .filter((part) => (pick(r)[part] ?? 0) > 0)
      .map((part) => ({ system: r.system, part, cycles: pick(r)[part]! })),
  );
}

function stackedChart(
  data: readonly Share[],
  systems: readonly string[],
  domain: readonly string[],
  range: readonly string[],
  what: string,
) {
  return (Plot: PlotModule, width: number) =>
    Plot.plot({
      width,
      height: 50 + systems.length * 34,
      marginLeft: 90,
      marginRight: 20,
      style: { fontSize: "12px" },
      x: { label: `cycles per operation, by ${what}`, labelAnchor: "right", grid: true },
      y: { domain: [...systems], label: null },
      color: { domain: [...domain], range: [...range], legend: true },
      marks: [
        Plot.barX(
          data,
          Plot.stackX({
            y: "system",
            x: "cycles",
            fill: "part",
            order: [...domain],
            title: (d: Share) => `${d.system}: ${d.part} ${fmt(d.cycles)} cycles per operation`,
          }),
        ),
        Plot.ruleX([0]),
      ],
    }) as unknown as Element;
}

/**
 * Where one row's cycles went, per system: stacked bars by category and by owner (cycles per
 * operation), the same figures as a table, the system's event counts, and a button for a
 * timeline of one run.
 */
export function Attribution(props: {
  readonly label: string;
  readonly results: readonly BenchResult[];
  readonly categories: readonly string[];
  readonly onTimeline: (system: string) => void;
  readonly tracing: boolean;
}) {
  const { results, categories } = props;
  const supported = results.filter((r) => r.supported);
  const systems = supported.map((r) => r.system);
  const key = `${props.label}|${systems.join(",")}`;
  // Drawn again only when the row or its systems change (key).
  const byCategory = useMemo(
    () =>
      stackedChart(
        shares(supported, (r) => r.attribution, categories),
        systems,
        categories,
        CATEGORY_COLORS.slice(0, categories.length),
        "category",
      ),
    [key],
  );
  const byOwner = useMemo(
    () =>
      stackedChart(
        shares(supported, (r) => r.attributionByOwner, OWNERS),
        systems,
        OWNERS,
        OWNER_COLORS,
        "owner",
      ),
    [key],
  );
  if (supported.length === 0)
    return (
      <section class="attribution" id="attribution">
        <h2>Where the cycles of {props.label} went</h2>
        <p>No selected system runs {props.label}.</p>
      </section>
    );
  const rowsOf = (
    pick: (r: BenchResult) => Readonly<Record<string, number>>,
    order: readonly string[],
  ) =>
    order
      .filter((part) => supported.some((r) => (pick(r)[part] ?? 0) > 0))
      .map((part) => (
        <tr key={part}>
          <th scope="row">{part}</th>
          {supported.map((r) => (
            <td key={r.system}>{fmt(pick(r)[part] ?? 0)}</td>
          ))}
        </tr>
      ));
  const counters = [...new Set(supported.flatMap((r) => Object.keys(r.counts)))].sort();
  return (
    <section class="attribution" id="attribution" aria-live="polite">
      <h2>Where the cycles of {props.label} went</h2>
      <p class="hint">
        Every simulated cycle of the measured part is charged to one category and one owner (the
        kernel, a libOS or environment, an application process); per operation.
      </p>
      <PlotBox draw={byCategory} label={`${props.label}: cycles per operation by category`} />
      <PlotBox draw={byOwner} label={`${props.label}: cycles per operation by owner`} />
      <div class="table-wrap">
        <table class="attribution-table">
          <thead>
            <tr>
              <th>cycles per operation</th>
              {supported.map((r) => (
                <th key={r.system}>{r.system}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr class="total">
              <th scope="row">total</th>
              {supported.map((r) => (
                <td key={r.system}>{fmt(r.simulatedCycles)}</td>
              ))}
            </tr>
            <tr class="part">
              <th scope="rowgroup" colSpan={supported.length + 1}>
                by category
              </th>
            </tr>
            {rowsOf((r) => r.attribution, categories)}
            <tr class="part">
              <th scope="rowgroup" colSpan={supported.length + 1}>
                by owner
              </th>
            </tr>
            {rowsOf((r) => r.attributionByOwner, OWNERS)}
            <tr class="part">
              <th scope="rowgroup" colSpan={supported.length + 1}>
                events per operation
              </th>
            </tr>
            {counters.map((c) => (
              <tr key={c} class="count">
                <th scope="row">{c}</th>
                {supported.map((r) => (
                  <td key={r.system}>{r.counts[c] === undefined ? "" : fmt(r.counts[c]!)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="timeline-buttons">
        Timeline of one run:{" "}
        {supported.map((r) => (
          <button
            type="button"
            key={r.system}
            class="timeline-button"
            data-system={r.system}
            disabled={props.tracing}
            onClick={() => props.onTimeline(r.system)}
          >
            {r.system}
          </button>
        ))}
      </p>
    </section>
  );
}
